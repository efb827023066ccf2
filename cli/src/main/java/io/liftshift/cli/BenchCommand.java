package io.liftshift.cli;

import picocli.CommandLine.Command;

/** Benchmarks, measured in one run against the baselines each issue names. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks against baselines measured in the same run.",
    subcommands = {
      InitialSyncBench.class,
      DeltaBench.class,
      SnapshotBench.class,
      FloodBench.class,
      SoakBench.class
    })
final class BenchCommand {}
