"""Tables 2 and 3: the networks of the ensembles and of the ablation study, trained alike, and what
their chapters read of them.

The study is Table 3's twelve configurations (`CONFIGURATIONS`), each with the
profile's `ablation_seeds` seeds, and the unchanged ZF with `ensemble_size` seeds: Table 2 reuses
them (the ZF seeds are its ensemble (a), the wider ZF its (b)). `train_runs` trains every run of
`runs(profile)` with one recipe, the profile's `study_epochs` with the rate dropped after its
`study_milestones`, into `<checkpoint_dir>/study/<run>/`. A finished run leaves `result.json` (its
epochs, and its final train and validation errors) and `metrics.csv` (every epoch's). Table 2's
networks also leave `predictions.pt`: the class probabilities of every validation and test image
under 1 and 10 views, from which the Table 2 chapter forms the ensembles without rerunning them; a
few of them keep their weights (fp16, `weights_kept`), within the repository's size budget.
An interrupted study resumes where it stopped: finished runs are skipped, a run in progress resumes
from its last epoch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from . import checkpoints, memo
from .data import Loader, limited, pretraining_splits, workers
from .devices import resolve_device
from .errors import UserError
from .evaluation import VIEWS, evaluate, probabilities, scores, topk_errors
from .files import atomic_write_bytes
from .profiles import Profile
from .train import METRICS, RESULT, TrainConfig, check_folder, run_name, train

# Table 3's twelve configurations, in the paper's order (data/paper/table3.csv): the changes it made to
# each network, by our variant names (models.VARIANTS).
CONFIGURATIONS = {"alexnet": ("base", "no-conv34", "no-fc7", "no-fc67", "no-conv34-fc67", "fc-half", "fc-double"),
                  "zf": ("base", "fc-half", "fc-double", "wide-conv345", "wide-conv345-fc-double")}
PREDICTIONS = "predictions.pt"
TRAIN_SAMPLE = 5000  # training images on which a finished network's train error is measured
SPLITS = ("val", "test")


@dataclass(frozen=True)
class Run:
    arch: str  # "zf" or "alexnet"
    variant: str  # one of models.VARIANTS
    seed: int

    @property
    def name(self) -> str:
        return run_name(self.arch, self.variant, True, self.seed)


def seeds(profile: Profile, arch: str, variant: str) -> range:
    """The unchanged ZF network has the ensemble's seeds; every other configuration the ablation's."""
    return range(profile.ensemble_size if (arch, variant) == ("zf", "base") else profile.ablation_seeds)


def ensemble_a(profile: Profile) -> list[Run]:
    """Table 2 (a): networks as per Fig. 3 that differ only in their seed."""
    return [Run("zf", "base", seed) for seed in seeds(profile, "zf", "base")]


def wide(profile: Profile) -> list[Run]:
    """Table 2 (b), layers 3, 4, 5 wider: one network per seed."""
    return [Run("zf", "wide-conv345", seed) for seed in seeds(profile, "zf", "wide-conv345")]


def alexnets(profile: Profile) -> list[Run]:
    """Table 2's replication of Krizhevsky et al.: one network per seed."""
    return [Run("alexnet", "base", seed) for seed in seeds(profile, "alexnet", "base")]


def table2_runs(profile: Profile) -> list[Run]:
    """The runs whose class probabilities Table 2 averages."""
    return [*alexnets(profile), *ensemble_a(profile), *wide(profile)]


def table3_runs(profile: Profile) -> list[Run]:
    """Table 3's twelve configurations, every seed of each."""
    return [Run(arch, variant, seed) for arch, variants in CONFIGURATIONS.items() for variant in variants
            for seed in seeds(profile, arch, variant)]


def runs(profile: Profile) -> list[Run]:
    """Every run once, the costliest first (wide layers, then ZF), so that taking every n-th run
    splits the work evenly between n processes."""
    return sorted(table3_runs(profile), key=lambda run: ("wide" in run.variant, run.arch == "zf"), reverse=True)


def measure(model: torch.nn.Module, profile: Profile, splits, limit: int | None = None,
            device: str = "cpu") -> dict[str, float]:
    """A finished network's train_ errors: on a fixed sample of the training set, 1 view, no dropout."""
    sample = limited(splits.train, min(TRAIN_SAMPLE, limit or TRAIN_SAMPLE))
    loader = Loader(sample, batch_size=2 * profile.batch_size, num_workers=workers(profile))
    measured = evaluate(model.to(device), loader, profile.input_size, profile.top_k, device=device)
    return {f"train_{key}": value for key, value in measured.items()}


def store_predictions(model: torch.nn.Module, profile: Profile, splits, path: Path, record: dict,
                      limit: int | None = None, device: str = "cpu") -> None:
    """Write the class probabilities (fp16) of every validation and test image, 1 and 10 views, to `path`."""
    predicted = {}
    for split in SPLITS:
        dataset = getattr(splits, split)
        if dataset is None:  # ImageNet's test labels are not public
            continue
        loader = Loader(limited(dataset, limit), batch_size=2 * profile.batch_size, num_workers=workers(profile))
        for count in VIEWS:
            probs, targets = probabilities(model.to(device), loader, profile.input_size, count, device)
            predicted[f"{split}_{count}view"] = probs.half()
        predicted[f"{split}_targets"] = targets
    checkpoints.save(path, predicted, profile=record["profile"], model_config=record["model"], epoch=record["epoch"],
                     run=record["run"])


def weights_kept(profile: Profile) -> list[Run]:
    """The runs whose weights (fp16) the repository keeps: the ensemble's and one of each other Table 2
    network, within the checkpoints' size budget; the others keep their results and predictions only."""
    return [alexnets(profile)[0], *ensemble_a(profile), wide(profile)[0]]


def weights_check(profile: Profile, folder: Path, splits, device: str = "cpu") -> pd.DataFrame:
    """Whether the kept weights are the weights whose predictions the study stored: for each run of
    `weights_kept`, its validation top-1 error (1 view) recomputed from `final.pt` beside the one its
    stored predictions give (kept by `memo`, keyed by the weights' sha256)."""
    kept = weights_kept(profile)
    paths = [folder / run.name / "final.pt" for run in kept]

    def measure() -> dict[str, list]:
        loader = Loader(splits.val, batch_size=256)
        rerun = [evaluate(checkpoints.load_model(path)[0].to(device), loader, profile.input_size, (1,),
                          device=device)["top1_err"] for path in paths]
        return {"run": [run.name for run in kept], "from the weights": rerun}

    key = ([checkpoints.entry(path)["sha256"] for path in paths], memo.digest(splits.val), str(device))
    checked = pd.DataFrame(memo.remembered("weights-check", key, measure)).set_index("run")
    stored = [predictions(folder, run) for run in kept]
    checked["stored"] = [topk_errors(record["val_1view"], record["val_targets"], (1,))["top1_err"] for record in stored]
    return checked


def _finish(run: Run, final: Path, profile: Profile, splits, device: str, limit: int | None) -> dict:
    """Measure a trained run, store its predictions (Table 2's runs) and shrink or drop its weights."""
    model, _ = checkpoints.load_model(final)
    record = checkpoints.entry(final)
    result = {"arch": run.arch, "variant": run.variant, "seed": run.seed, "epochs": record["epoch"],
              **measure(model, profile, splits, limit, device),
              **{key: value for key, value in record["metrics"].items() if key.startswith("val_")}}
    if run in table2_runs(profile):
        store_predictions(model, profile, splits, final.parent / PREDICTIONS, record, limit, device)
    if run in weights_kept(profile):
        checkpoints.halve(final)
    else:
        checkpoints.forget(final)
    return result


def train_runs(profile: Profile, folder: Path, data_dir: Path | None = None, device: str = "cpu",
               shard: int = 0, shards: int = 1, epochs: int | None = None, limit: int | None = None,
               precision: str = "auto", batch_size: int | None = None, workers: int | None = None) -> None:
    """Train this shard's share (every `shards`-th run from `shard`) of the study into `folder`, each
    with the profile's study recipe: `study_epochs`, the rate dropping after the `study_milestones`;
    `precision`, `batch_size` and `workers` as `zfcompanion train` takes them."""
    if not 0 <= shard < shards:
        raise UserError(f"Shard {shard} does not exist: shards are numbered 0 to {shards - 1}.")
    check_folder(Path(folder))
    resolve_device(device)  # checked here too: a finished study trains nothing, so train() would never check it
    splits = pretraining_splits(profile, data_dir, mean_of=limit)
    todo = runs(profile)[shard::shards]
    for number, run in enumerate(todo, start=1):
        out = Path(folder) / run.name
        if (out / RESULT).exists():
            continue
        print(f"[study {shard + 1}/{shards}] {number}/{len(todo)}: {run.name}", flush=True)
        config = TrainConfig(profile=profile, out_dir=out, arch=run.arch, variant=run.variant, data_dir=data_dir,
                             epochs=epochs or profile.study_epochs, seed=run.seed, snapshots=False,
                             device=device, limit=limit, lr_milestones=profile.study_milestones, test_views=(),
                             precision=precision, batch_size=batch_size, workers=workers)
        trained = same_run_trained(config, Path(folder).parent / run.name)
        if trained:
            print(f"{run.name} is the run already trained in {trained.parent} (same settings and epochs): copied, "
                  f"not trained again.", flush=True)
            final = checkpoints.copy(trained, out / checkpoints.FINAL)
            if (trained.parent / METRICS).exists():
                atomic_write_bytes(out / METRICS, (trained.parent / METRICS).read_bytes())
        else:
            final = train(config)
        result = _finish(run, final, profile, splits, device, limit)
        write_result(out, result)  # last: its presence marks the run as done


def same_run_trained(config: TrainConfig, folder: Path) -> Path | None:
    """`folder`'s final.pt when `zfcompanion train` finished there the very run `config` describes (the
    same settings and epochs), else None. At the paper profile the study's recipe is the main runs'
    (70 epochs, the plateau rule), so its ZF and AlexNet of seed 0 are the `zf` and `alexnet` runs the
    chapters read, and two 70-epoch runs are not trained twice."""
    final = Path(folder) / checkpoints.FINAL
    if not final.is_file():
        return None
    record = checkpoints.entry(final)
    return final if record.get("run") == config.identity() and record.get("epoch") == config.epochs else None


def write_result(folder: Path, result: dict) -> None:
    atomic_write_bytes(Path(folder) / RESULT, (json.dumps(result, indent=2, sort_keys=True) + "\n").encode())


def _missing(folder: Path, run: Run, what: str) -> UserError:
    return UserError(f"The study run {run.name} has no {what} in {folder}: train the study with "
                     f"`make checkpoints` (mini) or `zfcompanion study --profile PROFILE`, or pass the folder that holds it.")


def results(folder: Path, wanted: list[Run]) -> pd.DataFrame:
    """One row per run: arch, variant, seed and its final train_/val_ errors."""
    rows = []
    for run in wanted:
        path = Path(folder) / run.name / RESULT
        if not path.is_file():
            raise _missing(folder, run, RESULT)
        rows.append(json.loads(path.read_text()))
    return pd.DataFrame(rows)


def predictions(folder: Path, run: Run) -> dict[str, torch.Tensor]:
    """A Table 2 run's stored class probabilities, as float32: keys '{val,test}_{1,10}view' and
    '{val,test}_targets'."""
    path = Path(folder) / run.name / PREDICTIONS
    if not path.is_file():
        raise _missing(folder, run, PREDICTIONS)
    return {key: value.float() if value.is_floating_point() else value
            for key, value in checkpoints.load(path).items()}


def ensemble_scores(members: list[dict[str, torch.Tensor]], split: str, count: int,
                    ks: tuple[int, ...]) -> dict[str, float]:
    """Top-k errors of the ensemble whose output is the mean of its members' class probabilities."""
    mean = torch.stack([member[f"{split}_{count}view"] for member in members]).mean(dim=0)
    return scores(mean, members[0][f"{split}_targets"], ks)


def table2_rows(profile: Profile) -> dict[str, list[list[Run]]]:
    """Table 2's rows that this project trains, in the paper's words: for each, its instances (one per
    seed of a single network; one per wider network for the combination), each the runs it averages."""
    members, wider, widths = ensemble_a(profile), wide(profile), ", ".join(map(str, profile.zf.wide_conv_widths))
    return {"Our replication of (Krizhevsky et al., 2012), 1 convnet": [[run] for run in alexnets(profile)],
            "1 convnet as per Fig. 3": [[run] for run in members],
            f"{len(members)} convnets as per Fig. 3 - (a)": [members],
            f"1 convnet as per Fig. 3 but with layers 3,4,5: {widths} maps - (b)": [[run] for run in wider],
            f"{len(members) + 1} convnets, (a) & (b) combined": [[*members, run] for run in wider]}


def table2(stored: dict[Run, dict[str, torch.Tensor]], profile: Profile) -> pd.DataFrame:
    """Top-k errors (percent) of every instance of every Table 2 row on the validation and (where
    labelled) test sets under 1 and 10 views, from each network's `predictions`: one row per
    (row, instance), columns (split, views, 'top-k')."""
    table = {}
    for label, instances in table2_rows(profile).items():
        for number, members in enumerate(instances):
            row = {}
            for split in [split for split in SPLITS if f"{split}_targets" in stored[members[0]]]:
                for count in VIEWS:
                    errors = ensemble_scores([stored[run] for run in members], split, count, profile.top_k)
                    row.update({(split, f"{count} view{'s' if count > 1 else ''}", f"top-{k}"): errors[f"top{k}_err"]
                                for k in profile.top_k})
            table[(label, number)] = row
    return pd.DataFrame(table).T.rename_axis(["row", "instance"])


def ensemble_gains_per_image(members: list[dict[str, torch.Tensor]], split: str, count: int) -> dict[str, np.ndarray]:
    """Per image, the ensemble's top-1 miss (0-100) subtracted from the members' mean miss ("over the
    members' mean") and from its best member's, the one with the fewest misses on `split` ("over the
    best member"): the ensemble's gains, image by image (paired, so that their intervals are over the
    images). Averaging alone beats the members' mean; only a gain over the best member is the ensemble's."""
    targets = members[0][f"{split}_targets"]
    probs = torch.stack([member[f"{split}_{count}view"] for member in members])
    top1 = lambda scores: scores.topk(1, dim=-1).indices[..., 0]  # as evaluation.topk_misses picks
    member_misses = (top1(probs) != targets).double()
    ensemble_misses = (top1(probs.mean(dim=0)) != targets).double()
    best = member_misses[int(member_misses.sum(dim=1).argmin())]
    return {"over the members' mean": (100.0 * (member_misses.mean(dim=0) - ensemble_misses)).numpy(),
            "over the best member": (100.0 * (best - ensemble_misses)).numpy()}
