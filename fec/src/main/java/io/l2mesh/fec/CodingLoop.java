package io.l2mesh.fec;

import java.lang.foreign.MemorySegment;

/**
 * The inner loop of the codec: {@code outputs[o] = Σ_i rows[o][i] · inputs[i]} over {@code length} bytes starting
 * at {@code offset} of every shard. Implementations differ only in speed, and must give identical bytes.
 * Inputs and outputs are ranges of caller-owned arrays, so a call allocates nothing.
 */
public interface CodingLoop
{
    void code(
        byte[][] rows, MemorySegment[] inputs, int inputFrom, int inputCount, MemorySegment[] outputs,
        int outputFrom, int outputCount, long offset, int length);

    /**
     * {@code out[outOffset..+length) ^= coefficient · in[inOffset..+length)}: folds one shard into a running parity.
     */
    void multiplyAccumulate(int coefficient, MemorySegment in, long inOffset, MemorySegment out, long outOffset,
        int length);

    /**
     * For every {@code j < coefficients.length}: {@code out[outOffset + j·outStride ..+length) ^= coefficients[j] ·
     * in[inOffset..+length)}. Folds one shard into every parity of a block; a loop may do it in one pass over the
     * input (the default makes one pass per parity).
     */
    default void multiplyAccumulate(
        final byte[] coefficients, final MemorySegment in, final long inOffset, final MemorySegment out,
        final long outOffset, final long outStride, final int length)
    {
        for (int j = 0; j < coefficients.length; j++)
        {
            multiplyAccumulate(coefficients[j] & 0xff, in, inOffset, out, outOffset + j * outStride, length);
        }
    }

    String name();
}
