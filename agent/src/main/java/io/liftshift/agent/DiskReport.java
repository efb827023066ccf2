package io.liftshift.agent;

/**
 * The outcome for one disk.
 *
 * @param diskKey the source disk
 * @param sizeBytes its size
 * @param stagingVolumeId the replicator's staging volume
 * @param dataBytesSent non-zero source bytes sent (resends included)
 * @param zeroBytes bytes that travelled as BLOCK_ZERO frames
 * @param payloadBytes BLOCK_DATA payload bytes after compression
 * @param resentBytes data bytes sent again after a reconnect
 * @param digestRoot hex of the verified digest root, or empty when not verified
 * @param syncScope what the initial sync read: "whole disk", or the file systems and volume
 *     managers it recognised and read only the used blocks of
 * @param unusedBytesSkipped bytes sent as zeros without being read, because nothing uses them
 * @param proofBytesReadBack source bytes read again for the proof (leaves not seen while sending,
 *     e.g. below a resume point); 0 when the proof was built entirely while streaming
 */
public record DiskReport(
    String diskKey,
    long sizeBytes,
    String stagingVolumeId,
    long dataBytesSent,
    long zeroBytes,
    long payloadBytes,
    long resentBytes,
    String digestRoot,
    String syncScope,
    long unusedBytesSkipped,
    long proofBytesReadBack) {}
