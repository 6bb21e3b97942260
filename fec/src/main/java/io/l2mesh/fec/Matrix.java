package io.l2mesh.fec;

/**
 * Small dense matrices over GF(2^8): what building the encoding matrix and inverting an erasure pattern need.
 * Control path only (allocates).
 */
final class Matrix
{
    private final int rows;
    private final int columns;
    private final byte[][] data;

    Matrix(final int rows, final int columns)
    {
        this.rows = rows;
        this.columns = columns;
        this.data = new byte[rows][columns];
    }

    static Matrix identity(final int size)
    {
        final Matrix m = new Matrix(size, size);
        for (int i = 0; i < size; i++)
        {
            m.data[i][i] = 1;
        }
        return m;
    }

    /**
     * The Vandermonde matrix with entry {@code r^c} in row r, column c.
     */
    static Matrix vandermonde(final int rows, final int columns)
    {
        final Matrix m = new Matrix(rows, columns);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                m.data[r][c] = (byte)Gf256.power(r, c);
            }
        }
        return m;
    }

    int rows()
    {
        return rows;
    }

    int columns()
    {
        return columns;
    }

    int get(final int r, final int c)
    {
        return data[r][c] & 0xff;
    }

    byte[] row(final int r)
    {
        return data[r].clone();
    }

    Matrix times(final Matrix right)
    {
        if (columns != right.rows)
        {
            throw new IllegalArgumentException("cannot multiply " + rows + "x" + columns + " by " + right.rows + "x" +
                right.columns);
        }
        final Matrix result = new Matrix(rows, right.columns);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < right.columns; c++)
            {
                int value = 0;
                for (int i = 0; i < columns; i++)
                {
                    value ^= Gf256.multiply(data[r][i], right.data[i][c]);
                }
                result.data[r][c] = (byte)value;
            }
        }
        return result;
    }

    Matrix subMatrix(final int rowFrom, final int rowTo, final int columnFrom, final int columnTo)
    {
        final Matrix m = new Matrix(rowTo - rowFrom, columnTo - columnFrom);
        for (int r = rowFrom; r < rowTo; r++)
        {
            System.arraycopy(data[r], columnFrom, m.data[r - rowFrom], 0, columnTo - columnFrom);
        }
        return m;
    }

    Matrix selectRows(final int[] rowIndices)
    {
        final Matrix m = new Matrix(rowIndices.length, columns);
        for (int i = 0; i < rowIndices.length; i++)
        {
            m.data[i] = data[rowIndices[i]].clone();
        }
        return m;
    }

    /**
     * Gauss-Jordan inversion.
     *
     * @throws IllegalArgumentException if the matrix is singular.
     */
    Matrix invert()
    {
        if (rows != columns)
        {
            throw new IllegalArgumentException("only square matrices invert, not " + rows + "x" + columns);
        }
        final int n = rows;
        final byte[][] work = new byte[n][2 * n];
        for (int r = 0; r < n; r++)
        {
            System.arraycopy(data[r], 0, work[r], 0, n);
            work[r][n + r] = 1;
        }
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            while (pivot < n && work[pivot][col] == 0)
            {
                pivot++;
            }
            if (pivot == n)
            {
                throw new IllegalArgumentException("matrix is singular");
            }
            final byte[] swap = work[col];
            work[col] = work[pivot];
            work[pivot] = swap;
            final int scale = Gf256.divide(1, work[col][col] & 0xff);
            for (int c = 0; c < 2 * n; c++)
            {
                work[col][c] = (byte)Gf256.multiply(work[col][c], scale);
            }
            for (int r = 0; r < n; r++)
            {
                if (r != col && work[r][col] != 0)
                {
                    final int factor = work[r][col] & 0xff;
                    for (int c = 0; c < 2 * n; c++)
                    {
                        work[r][c] ^= (byte)Gf256.multiply(factor, work[col][c]);
                    }
                }
            }
        }
        final Matrix inverse = new Matrix(n, n);
        for (int r = 0; r < n; r++)
        {
            System.arraycopy(work[r], n, inverse.data[r], 0, n);
        }
        return inverse;
    }
}
