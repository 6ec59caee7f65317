# Two commands for a newcomer: `make demo` and `make test`. Both build .venv on first use.
VENV    ?= .venv
PYTHON  ?= python3
EXTRAS  ?= dev
BIN      = $(VENV)/bin
STAMP    = $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
comma   := ,

.PHONY: demo test install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	# CPU torch first: it comes from a file on disk here; anything else pulls a CUDA build.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[$(EXTRAS)]'
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/varena compile
	$(BIN)/varena plugins
	$(BIN)/varena models
	$(BIN)/varena play gomoku:size=9 --p1 mcts:sims=200 --p2 random --seed 1
	$(BIN)/varena tournament tournaments/quick.toml --out runs/quick --resume

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache
