package io.l2mesh.control.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import java.util.List;

/**
 * One metric family being filled for a scrape: a counter or a gauge with fixed label names, one sample per
 * {@link #add}. Built on the exporter's thread at each scrape, never on a datapath loop.
 * <p>
 * Counter names are given without {@code _total}: the exposition adds it, as Prometheus's client requires.
 */
final class Family
{
    private final String name;
    private final String help;
    private final boolean counter;
    private final String[] labelNames;
    private final CounterSnapshot.Builder counters;
    private final GaugeSnapshot.Builder gauges;
    private int samples;

    private Family(final String name, final String help, final boolean counter, final String... labelNames)
    {
        this.name = name;
        this.help = help;
        this.counter = counter;
        this.labelNames = labelNames;
        this.counters = counter ? CounterSnapshot.builder().name(name).help(help) : null;
        this.gauges = counter ? null : GaugeSnapshot.builder().name(name).help(help);
    }

    static Family counter(final String name, final String help, final String... labelNames)
    {
        return new Family(name, help, true, labelNames);
    }

    static Family gauge(final String name, final String help, final String... labelNames)
    {
        return new Family(name, help, false, labelNames);
    }

    /**
     * Adds one sample; {@code labelValues} in the order of the label names.
     */
    Family add(final double value, final String... labelValues)
    {
        if (labelValues.length != labelNames.length)
        {
            throw new IllegalArgumentException(name + " has labels " + List.of(labelNames) + ", given " +
                List.of(labelValues));
        }
        final Labels labels = Labels.of(labelNames, labelValues);
        if (counter)
        {
            counters.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(value).build());
        }
        else
        {
            gauges.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
        }
        samples++;
        return this;
    }

    /**
     * @return the family's name as exposed ({@code _total} added to a counter's).
     */
    String exposedName()
    {
        return counter ? name + "_total" : name;
    }

    String help()
    {
        return help;
    }

    boolean isCounter()
    {
        return counter;
    }

    List<String> labelNames()
    {
        return List.of(labelNames);
    }

    boolean isEmpty()
    {
        return samples == 0;
    }

    MetricSnapshot build()
    {
        return counter ? counters.build() : gauges.build();
    }
}
