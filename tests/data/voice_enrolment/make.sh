#!/usr/bin/env bash
# The enrolment tests' takes: flite's rms voice (held out: the network never learnt from it),
# each phrase at the speeds a person varies between takes. Needs flite and sox; the WAVs are
# kept in the repository, so the tests do not.
set -euo pipefail
cd "$(dirname "$0")"
say() {  # phrase, stretch, name
  flite -voice rms --setf duration_stretch="$2" -t "$1" -o /tmp/enrolment-take.wav
  sox /tmp/enrolment-take.wav -r 16000 -c 1 -b 16 "$3"
}
for phrase in "player next" "player back" "player yes"; do
  n=1
  for stretch in 0.92 1.0 1.1; do say "$phrase" "$stretch" "rms_${phrase// /_}_$n.wav"; n=$((n + 1)); done
done
say "player repeat" 0.95 rms_player_repeat_1.wav
say "player repeat" 1.05 rms_player_repeat_2.wav
rm -f /tmp/enrolment-take.wav
