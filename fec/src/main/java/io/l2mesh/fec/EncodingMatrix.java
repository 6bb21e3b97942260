package io.l2mesh.fec;

/**
 * The systematic encoding matrix of Backblaze's construction: the (k+m)×k Vandermonde matrix multiplied by the
 * inverse of its top k×k square. Its top k rows are the identity (data shards pass through), and any k of its
 * rows are invertible, so any k shards rebuild the rest.
 */
final class EncodingMatrix
{
    private EncodingMatrix()
    {
    }

    static Matrix build(final int dataShards, final int parityShards)
    {
        final Matrix vandermonde = Matrix.vandermonde(dataShards + parityShards, dataShards);
        final Matrix top = vandermonde.subMatrix(0, dataShards, 0, dataShards);
        return vandermonde.times(top.invert());
    }
}
