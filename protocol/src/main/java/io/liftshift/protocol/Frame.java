package io.liftshift.protocol;

/**
 * One decoded frame: a known opcode and its body. The body array is owned by the frame.
 *
 * @param version the protocol version from the header
 * @param flags the header flags
 * @param opcode the opcode
 * @param body the body bytes, exactly the announced length
 */
public record Frame(int version, int flags, Opcode opcode, byte[] body) {}
