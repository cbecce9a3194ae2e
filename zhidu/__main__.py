import sys

from zhidu.cli import main

sys.exit(main(sys.argv))
