"""Pictures that a rebuilt chapter draws the same: seaborn's jitter is seeded, and NumPy's global random
state is left as it was."""

import io

import matplotlib
import numpy as np
import pandas as pd
import seaborn as sns

from zfcompanion import plots

matplotlib.use("Agg")


def test_a_strip_plot_is_drawn_the_same_twice_and_the_global_random_state_is_kept():
    import matplotlib.pyplot as plt

    seeds = pd.DataFrame({"variant": ["base"] * 6, "error": [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]})
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    pictures = []
    for _ in range(2):
        fig, ax = plt.subplots()
        with plots.same_jitter():
            sns.stripplot(seeds, x="variant", y="error", ax=ax)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
        pictures.append(buffer.getvalue())
    assert pictures[0] == pictures[1]
    assert (np.random.get_state()[1] == before).all()
