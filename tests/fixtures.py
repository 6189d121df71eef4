"""Tiny datasets that the tests generate in the real on-disk layouts, so that every loader runs on
the same code it runs on at full scale, without downloads."""

from __future__ import annotations

import json
import struct
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from zfcompanion.profiles import MINI


def write_idx_images(path: Path, images: np.ndarray) -> None:
    path.write_bytes(struct.pack(">IIII", 0x803, *images.shape) + images.astype(np.uint8).tobytes())


def write_idx_labels(path: Path, labels: np.ndarray) -> None:
    path.write_bytes(struct.pack(">II", 0x801, len(labels)) + labels.astype(np.uint8).tobytes())


def class_images(labels: np.ndarray, size: int, channels: int, seed: int) -> np.ndarray:
    """Noisy images whose class is learnable: class c lights up the c-th horizontal band."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 60, size=(len(labels), size, size, channels))
    band = max(size // 10, 1)
    for index, label in enumerate(labels):
        images[index, label * band % size: label * band % size + band] += 150
    return images.clip(0, 255).astype(np.uint8)


def fashion_mnist(root: Path, train: int = 600, test: int = 100, seed: int = 0) -> Path:
    """`root/FashionMNIST/raw/*-ubyte`, torchvision's layout, with `train` + `test` images."""
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, count in (("train", train), ("t10k", test)):
        labels = np.arange(count) % 10
        write_idx_images(raw / f"{prefix}-images-idx3-ubyte", class_images(labels, 28, 1, seed)[..., 0])
        write_idx_labels(raw / f"{prefix}-labels-idx1-ubyte", labels)
    return root


def mini_profile(train_images: int):
    """The mini profile shrunk to a fixture of `train_images` training images (of which the pre-training
    classes keep 6 in 10)."""
    kept = train_images * len(MINI.pretraining_classes) // 10
    return replace(MINI, val_size=kept // 5, batch_size=32, epochs=3, snapshot_epochs=(1, 2, 3), study_epochs=2,
                   study_milestones=(1,))


def jpeg_folder(folder: Path, classes: list[str], per_class: int, seed: int, name: str = "{index:04d}.JPEG",
                start: int = 0) -> None:
    """`folder/<class>/<name>` with small JPEGs of assorted sizes and aspect ratios, numbered from `start`."""
    rng = np.random.default_rng(seed)
    for label, cls in enumerate(classes):
        (folder / cls).mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            height, width = int(rng.integers(40, 90)), int(rng.integers(40, 90))
            pixels = class_images(np.array([label]), max(height, width), 3, seed + index)[0][:height, :width]
            Image.fromarray(pixels).save(folder / cls / name.format(index=index + start))


def imagenet(root: Path, classes: int = 3, per_class: int = 4) -> Path:
    """ILSVRC 2012 class-folder layout: `root/{train,val}/<wnid>/*.JPEG`."""
    wnids = [f"n{index:08d}" for index in range(classes)]
    jpeg_folder(root / "train", wnids, per_class, seed=1)
    jpeg_folder(root / "val", wnids, max(per_class // 2, 1), seed=2)
    return root


def photograph_like_jpegs(count: int, seed: int = 0) -> list[bytes]:
    """`count` distinct JPEG files of ImageNet's usual shapes (500x375, 375x500, 500x333, 640x480, an
    occasional large one), smooth noise that compresses like a photograph; every fifth greyscale and
    every seventh CMYK, as a few of ImageNet's are."""
    import io

    rng = np.random.default_rng(seed)
    shapes = [(500, 375), (375, 500), (500, 333), (640, 480), (1600, 1200)]
    files = []
    for index in range(count):
        width, height = shapes[index % len(shapes)]
        coarse = rng.integers(0, 256, size=(height // 16, width // 16, 3), dtype=np.uint8)
        picture = Image.fromarray(coarse).resize((width, height), Image.BICUBIC)
        mode = "L" if index % 5 == 4 else "CMYK" if index % 7 == 6 else "RGB"
        buffer = io.BytesIO()
        picture.convert(mode).save(buffer, format="JPEG", quality=90)
        files.append(buffer.getvalue())
    return files


def imagenet_like(root: Path, classes: int = 1000, per_class: int = 1, distinct: int = 35) -> Path:
    """ILSVRC 2012 as it is laid out for training: `classes` class folders of `per_class` photograph-like
    JPEGs (`distinct` different files, repeated) in train/ and in val/, and Kaggle's
    LOC_synset_mapping.txt naming the classes."""
    pictures = photograph_like_jpegs(distinct)
    wnids = [f"n{index:08d}" for index in range(classes)]
    for split in ("train", "val"):
        for label, wnid in enumerate(wnids):
            (root / split / wnid).mkdir(parents=True, exist_ok=True)
            for index in range(per_class):
                (root / split / wnid / f"{wnid}_{index}.JPEG").write_bytes(pictures[(label * per_class + index) % distinct])
    (root / "LOC_synset_mapping.txt").write_text("".join(f"{wnid} thing {label}, other name\n"
                                                           for label, wnid in enumerate(wnids)))
    return root


REPO = Path(__file__).resolve().parent.parent


def environment() -> dict[str, str]:
    """The environment for a subprocess that imports the project and its tests."""
    import os

    return {**os.environ, "PYTHONPATH": str(REPO)}


def caltech101(root: Path, classes: int = 3, per_class: int = 4) -> Path:
    folder = root / "caltech101" / "101_ObjectCategories"
    jpeg_folder(folder, [f"class{index}" for index in range(classes)] + ["BACKGROUND_Google"], per_class,
                seed=3, name="image_{index:04d}.jpg", start=1)  # torchvision counts from image_0001
    return root


def caltech256(root: Path, classes: int = 3, per_class: int = 4) -> Path:
    folder = root / "caltech256" / "256_ObjectCategories"
    names = [f"{index + 1:03d}.class{index}" for index in range(classes)]
    for label, name in enumerate(names):
        jpeg_folder(folder, [name], per_class, seed=4 + label, name=f"{label + 1:03d}_{{index:04d}}.jpg", start=1)
    jpeg_folder(folder, ["257.clutter"], 2, seed=3, name="257_{index:04d}.jpg", start=1)  # as the real one has
    return root


VOC_OBJECTS = {"2012_000001": ["dog", "person"], "2012_000002": ["cat"], "2012_000003": ["car", "car", "bus"]}


def voc2012(root: Path, count: int = 0) -> Path:
    """`root/VOCdevkit/VOC2012/{JPEGImages,Annotations,ImageSets/Main}` with the three images of
    VOC_OBJECTS, or `count` images each holding one to three objects of four classes."""
    voc = root / "VOCdevkit" / "VOC2012"
    for sub in ("JPEGImages", "Annotations", "ImageSets/Main"):
        (voc / sub).mkdir(parents=True)
    rng = np.random.default_rng(5)
    listing = VOC_OBJECTS if not count else {
        f"2012_{index:06d}": list(rng.choice(["dog", "cat", "car", "person"], size=rng.integers(1, 4)))
        for index in range(1, count + 1)}
    for index, (image_id, objects) in enumerate(listing.items()):
        Image.fromarray(class_images(np.array([index % 10]), 64, 3, index)[0]).save(voc / "JPEGImages" / f"{image_id}.jpg")
        body = "".join(f"<object><name>{name}</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9</xmax>"
                       f"<ymax>9</ymax></bndbox></object>" for name in objects)
        (voc / "Annotations" / f"{image_id}.xml").write_text(
            f"<annotation><filename>{image_id}.jpg</filename>{body}</annotation>")
    (voc / "ImageSets" / "Main" / "trainval.txt").write_text("\n".join(listing) + "\n")
    return root


def paper_checkpoints(folder: Path, num_classes: int) -> Path:
    """Randomly initialized paper-scale checkpoints in the trainer's layout, as the chapters read them:
    `zf/` (a snapshot at epoch 1 and final.pt), `zf-noclip/final.pt` and `alexnet/final.pt`. Copies of
    the same network are symbolic links, to keep the fixture's disk use down."""
    import torch

    from zfcompanion import checkpoints
    from zfcompanion.models import build
    from zfcompanion.profiles import PAPER
    from zfcompanion.train import write_metrics_csv

    torch.manual_seed(0)
    for arch, spec in (("zf", PAPER.zf), ("alexnet", PAPER.alexnet)):
        model = build(spec, num_classes, "base", PAPER.init_std)
        config = checkpoints.model_config(spec.name, "base", num_classes)
        checkpoints.save(folder / arch / "final.pt", {"model": model.state_dict()}, profile="paper",
                         model_config=config, epoch=2)
        chance = 100.0 * (1 - 1 / num_classes)  # the trainer's per-epoch record of an untrained network
        write_metrics_csv(folder / arch / "metrics.csv", [{"epoch": epoch, "train_top1_err": chance, "val_top1_err": chance}
                                                          for epoch in (1, 2)])
    for link, epoch in ((folder / "zf" / "epoch001.pt", 1), (folder / "zf-noclip" / "final.pt", 2)):
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(folder / "zf" / "final.pt")
        manifest = checkpoints.read_manifest(link.parent)
        manifest[link.name] = {**checkpoints.entry(folder / "zf" / "final.pt"), "epoch": epoch}
        (link.parent / checkpoints.MANIFEST).write_text(json.dumps(manifest))
    return folder


def paper_study(checkpoint_dir: Path, data_dir: Path, num_classes: int) -> Path:
    """`checkpoint_dir/study/` for the paper profile as `zfcompanion study` leaves it, from untrained
    networks (ZFNet does not train on CPU here): the Table 2 networks are `paper_checkpoints`' random
    ZF and AlexNet (the five ZF seeds link to one) and a random wide ZF, measured and predicted (on a
    few validation images) by the study's own code; every ablation row repeats its architecture's
    measurement, which is enough for the chapters to run."""
    import torch
    from torch.utils.data import DataLoader

    from zfcompanion import checkpoints, study
    from zfcompanion.data import pretraining_splits
    from zfcompanion.train import write_metrics_csv
    from zfcompanion.evaluation import evaluate
    from zfcompanion.models import build
    from zfcompanion.profiles import PAPER

    profile = replace(PAPER, num_classes=num_classes, batch_size=8, num_workers=0)
    splits = pretraining_splits(profile, data_dir)
    folder = checkpoint_dir / "study"
    torch.manual_seed(0)
    wide = study.wide(profile)[0]
    config = checkpoints.model_config(profile.zf.name, wide.variant, num_classes)
    checkpoints.save(folder / wide.name / "final.pt", {"model": build(profile.zf, num_classes, wide.variant).state_dict()},
                     profile="paper", model_config=config, epoch=2)
    sources = {"zf": checkpoint_dir / "zf" / "final.pt", "alexnet": checkpoint_dir / "alexnet" / "final.pt",
               "wide": folder / wide.name / "final.pt"}
    predicted = {"zf": folder / "zf" / study.PREDICTIONS, "alexnet": folder / "alexnet" / study.PREDICTIONS,
                 "wide": folder / wide.name / study.PREDICTIONS}  # the other ZF seeds link to zf's
    measured = {}
    for name, source in sources.items():
        model, _ = checkpoints.load_model(source)
        study.store_predictions(model, profile, splits, predicted[name], checkpoints.entry(source), limit=6)
        val = evaluate(model, DataLoader(splits.val, batch_size=8), profile.input_size, profile.top_k)
        measured[name] = {**study.measure(model, profile, splits, limit=4), **{f"val_{key}": v for key, v in val.items()}}
    for run in study.runs(profile):
        out = folder / run.name
        out.mkdir(parents=True, exist_ok=True)
        name = "wide" if run == wide else run.arch
        if run in study.table2_runs(profile):
            for file, linked in (("final.pt", sources[name]), (study.PREDICTIONS, predicted[name])):
                if out / file != linked:
                    (out / file).symlink_to(linked)
                manifest = checkpoints.read_manifest(out)
                manifest[file] = checkpoints.entry(linked)
                (out / checkpoints.MANIFEST).write_text(json.dumps(manifest))
        study.write_result(out, {"arch": run.arch, "variant": run.variant, "seed": run.seed, "epochs": 2, **measured[name]})
        write_metrics_csv(out / "metrics.csv", [{"epoch": epoch, "train_top1_err": measured[name]["train_top1_err"],
                                                 "val_top1_err": measured[name]["val_top1_err"]} for epoch in (1, 2)])
    return checkpoint_dir


def correspondence_annotations(folder: Path, images: list[Path], occluder_size: int = 32) -> Path:
    """An annotation file in data/annotations/'s layout for the paper profile: `images` by file, two parts."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = [{"file": str(image.resolve()), "parts": {"left": [40, 30], "right": [40, 150]}} for image in images]
    path = folder / "parts.json"
    path.write_text(json.dumps({"occluder_size": occluder_size, "images": entries}))
    return path


def torchvision_alexnet(folder: Path, seed: int = 0) -> Path:
    """A randomly initialized torchvision AlexNet saved as torchvision names its downloaded weights
    (`alexnet-<first 8 hex digits of the sha256>.pth`)."""
    import torch
    import torchvision

    from zfcompanion.files import sha256_file

    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / "alexnet.pth"
    torch.save(torchvision.models.alexnet().state_dict(), stored)
    return stored.rename(folder / f"alexnet-{sha256_file(stored)[:8]}.pth")
