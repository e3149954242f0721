"""Imported first by every benchmark: the checkout it sits in (rmqlab/ and testkit/) comes first on sys.path,
so a benchmark measures this tree's code whatever rmqlab is installed."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
