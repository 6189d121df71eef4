"""What every chapter starts from. A chapter's first code cell is

    chapter = Chapter.start("fig7", globals())

which checks the parameters papermill (or the reader) set, and then hands out on demand what the
chapters share: the device, a trained network (`<checkpoint_dir>/<network>/final.pt`), the
pre-training splits, the probe set and its model inputs, the mean input; at the end
`chapter.report(claims)` judges nothing itself but keeps the claims for the scorecard, in the folder
the `claims_dir` parameter names (papermill passes it; a chapter run by hand writes to build/claims).
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path

import torch
from torch import nn

from . import checkpoints, data, models, parameters, profiles, report, targets
from .evaluation import views
from .images import stored_batch
from .devices import resolve_device
from .verdicts import Check, Claim


class Chapter:
    """A chapter's parameters and the shared things they lead to, each loaded once, when first asked for."""

    def __init__(self, name: str, namespace: dict, profile: profiles.Profile) -> None:
        self.name = name
        self.profile = profile
        self.values = namespace
        self._models: dict[str, nn.Module] = {}

    @classmethod
    def start(cls, name: str, namespace: dict) -> Chapter:
        """Check the chapter's parameters (its `globals()`); a wrong one stops it here with one sentence."""
        return cls(name, namespace, parameters.check(namespace))

    @property
    def device(self) -> torch.device:
        return resolve_device(self.values["device"])

    @property
    def checkpoint_dir(self) -> Path:
        return Path(self.values["checkpoint_dir"])

    def checkpoint(self, network: str | None = None) -> Path:
        """The final weights of `network` (a folder under checkpoint_dir; default the `network` parameter)."""
        return self.checkpoint_dir / (network or self.values["network"]) / checkpoints.FINAL

    def sha256(self, network: str | None = None) -> str:
        """The manifest's sha256 of `network`'s final weights: what results computed from them are keyed by."""
        return checkpoints.entry(self.checkpoint(network))["sha256"]

    def model(self, network: str | None = None) -> nn.Module:
        """`network`'s trained model on the chapter's device, in evaluation mode."""
        network = network or self.values["network"]
        if network not in self._models:
            model, _ = checkpoints.load_model(self.checkpoint(network))
            self._models[network] = model.to(self.device).eval()
        return self._models[network]

    def untrained(self, network: str | None = None) -> tuple[nn.Module, str]:
        """The control "the same network untrained": `network` with the paper's initialization drawn
        afresh from the chapter's seed, in evaluation mode on the chapter's device; and the key results
        computed from it are cached under, as `sha256` is the trained network's."""
        model = models.reinitialized(self.model(network), self.profile.init_std, self.values["seed"])
        identity = f"{self.sha256(network)} untrained: std {self.profile.init_std!r}, seed {self.values['seed']}"
        return model.to(self.device).eval(), hashlib.sha256(identity.encode()).hexdigest()

    def snapshots(self, network: str) -> dict[int, nn.Module]:
        """`network`'s weights at every epoch its run kept (snapshots and final), each in evaluation mode on
        the CPU: for measures of the weights through training."""
        return {epoch: checkpoints.load_model(path)[0].eval()
                for epoch, path in checkpoints.snapshots(self.checkpoint(network).parent)}

    @cached_property
    def splits(self) -> data.Splits:
        return data.pretraining_splits(self.profile, self.values["data_dir"])

    @property
    def probe_set(self):
        """The images chapters show: the test set, or the validation set where the profile has none."""
        return self.splits.test if self.splits.test is not None else self.splits.val

    @property
    def probe_indices(self) -> list[int]:
        """The `probe_images` parameter, or the profile's choice when it is None."""
        return list(self.values.get("probe_images") or self.profile.probe_images)

    def inputs(self, indices: list[int], dataset=None) -> torch.Tensor:
        """Images of `dataset` (default the probe set) as the network sees them: the centre view, mean
        subtracted, on the device."""
        stored = stored_batch(self.probe_set if dataset is None else dataset, indices)
        return views(stored, self.profile.input_size, 1)[0].to(self.device)

    def pixels(self, inputs: torch.Tensor) -> torch.Tensor:
        """Model inputs back as 0–255 pixels, on the CPU, for showing."""
        return inputs.cpu() + self.mean_input

    @cached_property
    def mean_input(self) -> torch.Tensor:
        """The mean image's centre view (C, input_size, input_size): what a network input is relative to."""
        return views(self.splits.mean_image[None], self.profile.input_size, 1)[0][0]

    def target(self, role: str) -> data.TransferSet:
        """The profile's transfer dataset for `role` (Tables 4-7: "caltech101", "caltech256", "voc2012")."""
        return targets.transfer_target(self.profile, role, self.splits.mean_image, self.values["data_dir"],
                                       self.values.get("transfer_dir"))

    def report(self, claims: list[Claim], checks: list[Check] = (), caveat: str = "") -> report.ClaimsReport:
        """Keep the claims (and checks of the implementation) for the scorecard and return them for
        display; `caveat` goes to every claim that has none of its own, the profile's is said once."""
        folder = Path(self.values["claims_dir"] or report.HAND_RUN_CLAIMS)
        return report.report_claims(self.name, claims, self.profile.name, folder, checks, caveat, self.profile.caveat)
