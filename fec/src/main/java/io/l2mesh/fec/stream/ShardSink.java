package io.l2mesh.fec.stream;

import java.lang.foreign.MemorySegment;

/**
 * Receives each shard the encoder emits; must be done with the bytes before it returns (send or copy them).
 */
@FunctionalInterface
public interface ShardSink
{
    void onShard(MemorySegment segment, long offset, int length);
}
