package io.liftshift.converter;

import io.liftshift.trust.CaFingerprint;
import java.net.URI;
import java.nio.file.Path;

/** How a converter reaches its job. */
public final class ConverterOptions {
  /** Where mount points are made while converting. */
  public static final Path DEFAULT_WORK_DIR = Path.of("/run/liftshift-converter");

  private URI controlPlane;
  private CaFingerprint caFingerprint;
  private String jobToken;
  private Path workDir = DEFAULT_WORK_DIR;
  private boolean dryRun;

  public URI controlPlane() {
    return controlPlane;
  }

  /** The control plane's endpoint (https://host:443). */
  public ConverterOptions controlPlane(URI v) {
    this.controlPlane = v;
    return this;
  }

  public CaFingerprint caFingerprint() {
    return caFingerprint;
  }

  /** The installation CA that the control plane's certificate must chain to. */
  public ConverterOptions caFingerprint(CaFingerprint v) {
    this.caFingerprint = v;
    return this;
  }

  public String jobToken() {
    return jobToken;
  }

  /** The one-job credential the launch gave this conversion server. */
  public ConverterOptions jobToken(String v) {
    this.jobToken = v;
    return this;
  }

  public Path workDir() {
    return workDir;
  }

  /** Where mount points go (default {@link #DEFAULT_WORK_DIR}). */
  public ConverterOptions workDir(Path v) {
    this.workDir = v;
    return this;
  }

  public boolean dryRun() {
    return dryRun;
  }

  /** Plan and report the plan, changing nothing (default false). */
  public ConverterOptions dryRun(boolean v) {
    this.dryRun = v;
    return this;
  }
}
