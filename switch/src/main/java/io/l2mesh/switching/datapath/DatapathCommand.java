package io.l2mesh.switching.datapath;

/**
 * A change a control thread asks one loop to make; runs on the loop thread between bursts.
 */
@FunctionalInterface
public interface DatapathCommand
{
    void execute(DatapathLoop loop);
}
