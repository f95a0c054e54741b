import os
import sys

# ``python -m stenosis_player`` puts the folder it was started from first on sys.path, so a
# file there named like a module we import (argparse.py, pyttsx3.py) would run as ours.
# Our own modules are found through the package, so that folder is not needed: drop it.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from .cli import main

sys.exit(main())
