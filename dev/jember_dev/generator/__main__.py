"""python -m jember_dev.generator --out DIR --scale tiny --seed 1"""

import argparse
import json
from pathlib import Path

from .core import SCALES, generate


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate synthetic raw files and ground truth.")
    parser.add_argument(
        "--out", required=True, type=Path, help="output directory (raw/ and truth/ inside)"
    )
    parser.add_argument("--scale", default="tiny", choices=sorted(SCALES))
    parser.add_argument("--seed", default=1, type=int)
    args = parser.parse_args()
    print(json.dumps(generate(args.out, args.scale, args.seed), indent=2))


if __name__ == "__main__":
    main()
