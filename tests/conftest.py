import os

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory):
    """Mean images and decompressed datasets go to a cache of the test session's own."""
    os.environ["ZFCOMPANION_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    torch.set_num_threads(2)
    yield
