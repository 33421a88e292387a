import sys
from pathlib import Path

# Tests import the app's packages (metrics, components, pages) from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
