"""Train the tiny model this example ships (model/model.pkl). Run: python train.py"""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import LinearRegression


def main() -> None:
    rng = np.random.default_rng(0)
    features = rng.uniform(0, 10, size=(50, 2))
    target = 3.0 * features[:, 0] - 2.0 * features[:, 1] + 1.0
    model = LinearRegression().fit(features, target)
    out = Path(__file__).parent / "model" / "model.pkl"
    out.parent.mkdir(exist_ok=True)
    joblib.dump(model, out)
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
