# The README's two commands: `make book` (builds the book on the embedded mini profile) and
# `make test` (passes the tests). Each installs what it needs from this repository's own files.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FASHION_MNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz

.PHONY: install data browser test book lab checkpoints study benchmarks clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,book,lab]'
	touch $(STAMP)

# Fashion-MNIST from Debian's package (root installs it; elsewhere: `zfcompanion data --download`).
data: $(FASHION_MNIST)

$(FASHION_MNIST):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist; \
	else \
		echo "Fashion-MNIST is missing: run 'sudo apt-get install dataset-fashion-mnist', or 'zfcompanion data --download --data-dir DIR' and pass --data-dir DIR."; exit 2; \
	fi

# Headless Chromium and its driver for the browser test of the built book (Debian's packages).
browser: /usr/bin/chromedriver

/usr/bin/chromedriver:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq chromium chromium-driver; \
	else \
		echo "Chromium is missing: run 'sudo apt-get install chromium chromium-driver' (the browser test is skipped without it)."; \
	fi

# nbval re-executes the committed chapters (run as committed, a chapter keeps its claims in build/claims,
# so every tracked file stays as it was) with an empty cache of results (zfcompanion/memo.py), so that
# every printed number is computed again rather than read back.
test: install data browser
	$(BIN)/python -m pytest --durations=20
	memo=$$(mktemp -d) && trap 'rm -rf "$$memo"' EXIT && \
		ZFCOMPANION_MEMO="$$memo" $(BIN)/python -m pytest --nbval book/chapters --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

# JupyterLab on the chapters: each book/chapters/*.py opens as a notebook (jupytext; the settings in
# book/lab make it the default viewer). Claims of chapters run here go to build/claims.
lab: install data
	$(BIN)/jupyter lab --ServerApp.root_dir=book/chapters --LabApp.app_settings_dir=$(CURDIR)/book/lab

# Executes every chapter with papermill on the mini profile, then renders _build/html.
book: install data
	$(BIN)/zfcompanion book

# The shipped mini checkpoints: the three runs side by side, one thread each, then the study. Both
# ZF-mini runs keep their snapshot epochs (Fig. 4; Fig. 6 follows the unclipped run's filters through
# training); AlexNet-mini (Fig. 6 and Table 2 only evaluate and draw it) keeps fp16 weights.
# DEVICE=cuda trains them on a GPU.
DEVICE ?= cpu
checkpoints: install data
	OMP_NUM_THREADS=1 $(BIN)/zfcompanion train --profile mini --arch zf --device $(DEVICE) & zf=$$!; \
	OMP_NUM_THREADS=1 $(BIN)/zfcompanion train --profile mini --arch alexnet --no-snapshots --fp16 --device $(DEVICE) & alexnet=$$!; \
	OMP_NUM_THREADS=1 $(BIN)/zfcompanion train --profile mini --arch zf --no-clip --device $(DEVICE) & noclip=$$!; \
	wait $$zf && wait $$alexnet && wait $$noclip
	$(MAKE) study

# Tables 2 and 3's 38 networks (`zfcompanion study`) in SHARDS processes of one thread each; run it
# again after an interruption and it goes on where it stopped. About 2 hours on 2 CPU cores
# with bf16 units (README); the shipped study took 5 minutes on one H200 with DEVICE=cuda SHARDS=16.
SHARDS ?= 2
study: install data
	pids=""; for shard in $$(seq 0 $$(($(SHARDS) - 1))); do \
		OMP_NUM_THREADS=1 $(BIN)/zfcompanion study --shard $$shard --shards $(SHARDS) --device $(DEVICE) & pids="$$pids $$!"; \
	done; \
	for pid in $$pids; do wait $$pid || exit 1; done

benchmarks: install data
	$(BIN)/python benchmarks/train_throughput.py
	$(BIN)/python benchmarks/lrn.py
	$(BIN)/python benchmarks/occlusion.py
	$(BIN)/python benchmarks/occlusion.py --paper --images 1
	$(BIN)/python benchmarks/deconv.py
	$(BIN)/python benchmarks/deconv.py --paper
	$(BIN)/python benchmarks/paper_train.py
	$(BIN)/python benchmarks/paper_data.py
	$(BIN)/python benchmarks/book.py

clean:
	rm -rf $(VENV) .pytest_cache build
