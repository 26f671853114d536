"""Shared fixtures: the repository's paths, a generated corpus, one local Spark session."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def synth_corpus(tmp_path_factory) -> Path:
    """10,000 generated documents with planted near-duplicates (`dedup-synth`), short ones so
    that local Spark reads them quickly."""
    out = tmp_path_factory.mktemp("synth") / "corpus"
    command = ["cargo", "run", "--quiet", "--bin", "dedup-synth", "--"]
    args = ["--docs", "10000", "--seed", "5", "--min-words", "50", "--max-words", "200",
            "--near-duplicates", "0.2", "--out", str(out)]
    subprocess.run(command + args, cwd=REPO, check=True)
    return out / "docs"


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for every test (starting one takes seconds)."""
    pyspark = pytest.importorskip("pyspark.sql")
    session = (
        pyspark.SparkSession.builder.master("local[2]")
        .appName("dedup-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
