package io.l2mesh.control;

import io.l2mesh.control.cli.SwitchReport;
import io.l2mesh.control.config.ConfigException;
import io.l2mesh.control.config.ConfigFile;
import io.l2mesh.control.config.ConfigStore;
import io.l2mesh.control.config.L2meshConfig;
import io.l2mesh.control.config.RollbackCopy;
import io.l2mesh.control.mesh.MeshRegistry;
import io.l2mesh.control.metrics.L2meshCollector;
import io.l2mesh.control.metrics.MetricsExporter;
import io.l2mesh.control.server.Authorizer;
import io.l2mesh.control.server.ControlServer;
import io.l2mesh.switching.Switch;
import io.l2mesh.tuntap.Directory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code l2mesh} command: {@code run} the switch daemon, {@code demo}, {@code check-config}.
 * Exit codes: 0 success, 1 runtime failure (the kernel refused something), 2 bad config or usage.
 */
@Command(name = "l2mesh", mixinStandardHelpOptions = true, version = "l2mesh 0.1.0",
    description = "Userspace virtual switch and tunnel appliance.",
    subcommands = {Daemon.Run.class, io.l2mesh.control.cli.CtlCommand.class, DemoCommand.class,
        Daemon.CheckConfig.class, Daemon.DefaultConfig.class, KeyCommands.Keygen.class, KeyCommands.Pubkey.class,
        AuthorityCommands.class})
public final class Daemon
{
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_CONFIG = 2;

    /** Seconds the JVM keeps a DNS answer (peer endpoints that are names: docs/nat.md), unless set otherwise. */
    static final String DNS_CACHE_SECONDS = "5";

    public static void main(final String[] args)
    {
        // The JVM keeps DNS answers 30 s by default: a dynamic-DNS peer that moved would be looked up in vain.
        if (java.security.Security.getProperty("networkaddress.cache.ttl") == null)
        {
            java.security.Security.setProperty("networkaddress.cache.ttl", DNS_CACHE_SECONDS);
        }
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine()
    {
        final CommandLine cli = new CommandLine(new Daemon());
        cli.setExecutionExceptionHandler((ex, line, parsed) ->
        {
            if (ex instanceof ConfigException)
            {
                line.getErr().println("l2mesh: config refused: " + ex.getMessage());
                return EXIT_CONFIG;
            }
            line.getErr().println("l2mesh: " + ex.getMessage());
            return EXIT_FAILURE;
        });
        return cli;
    }

    static L2meshConfig loadConfig(final Path file)
    {
        return file == null ? ConfigFile.loadDefault() : ConfigFile.load(file);
    }

    /**
     * {@code l2mesh run}: the switch daemon, until SIGTERM or SIGINT.
     */
    @Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the switch from a YAML config (the embedded default without -c) until SIGTERM/SIGINT.")
    static final class Run implements Callable<Integer>
    {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML config file")
        Path config;

        @Override
        public Integer call() throws InterruptedException
        {
            final L2meshConfig read = loadConfig(config);
            // Before any device exists: a daemon that could not save a change, or keep its state, says so now.
            final ConfigStore store = new ConfigStore(config, read);
            store.checkSavable();
            if (Directory.ensure(read.stateDir(), L2meshConfig.STATE_DIR_MODE, -1))
            {
                System.out.println("l2mesh: created state directory " + read.stateDir() + " (mode 0750)");
            }
            final L2meshConfig loaded = rollBackUnconfirmed(config, read, store);
            final Authorizer authorizer = Authorizer.system(loaded.control().adminGroup(),
                loaded.control().monitorGroup());
            final Switch sw = SwitchBuilder.start(loaded);
            final ControlServer control;
            final MeshRegistry registry;
            final MetricsExporter metrics;
            try
            {
                registry = loaded.registry() == null ? null :
                    new MeshRegistry(loaded.registry(), sw, store::current, loaded.stateDir());
                control = ControlServer.start(loaded.control().socket(), loaded.control().mode(), authorizer, sw,
                    store, registry, () -> System.exit(EXIT_OK));
                metrics = startMetrics(loaded, sw, control, registry);
            }
            catch (final RuntimeException ex)
            {
                sw.close();
                throw ex;
            }
            if (registry != null)
            {
                registry.start(); // its own thread; etcd unreachable only delays the registry's peers
            }
            final SystemdNotifier systemd = SystemdNotifier.fromEnvironment();
            final CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() ->
            {
                systemd.notify("STOPPING=1\nSTATUS=stopping");
                System.out.println("l2mesh: stopping, removing ports");
                if (registry != null)
                {
                    registry.close(); // revokes the lease: the node leaves the mesh at once
                }
                if (metrics != null)
                {
                    metrics.close();
                }
                control.close();
                sw.close();
                System.out.println("l2mesh: stopped");
                System.out.flush();
                stopped.countDown();
            }, "l2mesh-shutdown"));
            System.out.println("l2mesh: running " + loaded.source() + " with " + sw.loopCount() +
                " datapath loop(s), control socket " + control.path());
            if (metrics != null)
            {
                System.out.println("l2mesh: metrics on http://" + loaded.metrics().listenText() + "/metrics");
            }
            System.out.print(SwitchReport.ports(sw));
            System.out.println("l2mesh: ready");
            System.out.flush();
            systemd.notify("READY=1\nSTATUS=switching " + sw.ports().ports().size() + " ports, control socket " +
                control.path() + "\nMAINPID=" + ProcessHandle.current().pid());
            stopped.await();
            return EXIT_OK;
        }
    }

    /**
     * A rollback copy in the state directory means the last daemon stopped inside a confirm window: its change was
     * never confirmed, so this one starts with the config from before it, and writes that back to the file.
     *
     * @return the config to run.
     */
    static L2meshConfig rollBackUnconfirmed(final Path file, final L2meshConfig loaded, final ConfigStore store)
    {
        final L2meshConfig back = RollbackCopy.read(loaded.stateDir());
        if (back == null)
        {
            return loaded;
        }
        if (file == null)
        {
            RollbackCopy.delete(loaded.stateDir()); // the embedded default takes no changes: nothing to undo
            return loaded;
        }
        store.save(back);
        final L2meshConfig again = ConfigFile.load(file);
        store.adopt(again);
        RollbackCopy.delete(loaded.stateDir());
        System.out.println("l2mesh: the last daemon stopped inside a confirm window: its unconfirmed change is " +
            "rolled back (" + file + " holds the config from before it again)");
        return again;
    }

    /**
     * @return the Prometheus exporter, or null if the config has no {@code metrics:}.
     * @throws IllegalStateException if it cannot listen; the control server is closed first.
     */
    static MetricsExporter startMetrics(final L2meshConfig loaded, final Switch sw, final ControlServer control,
        final MeshRegistry registry)
    {
        if (loaded.metrics() == null)
        {
            return null;
        }
        try
        {
            return MetricsExporter.start(loaded.metrics(), new L2meshCollector(sw, control, registry));
        }
        catch (final java.io.UncheckedIOException ex)
        {
            control.close();
            throw new IllegalStateException(ex.getMessage(), ex);
        }
    }

    /**
     * {@code l2mesh check-config}: parse and check a config without starting anything.
     */
    @Command(name = "check-config", mixinStandardHelpOptions = true,
        description = "Check a YAML config and exit: 0 if it is good, 2 with file:line and the reason if not.")
    static final class CheckConfig implements Callable<Integer>
    {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true, description = "YAML config file")
        Path config;

        @Option(names = "--uses-fec", hidden = true,
            description = "print only yes or no: whether a tunnel codes FEC from the start (for bin/l2mesh)")
        boolean usesFec;

        @Override
        public Integer call()
        {
            final L2meshConfig loaded = ConfigFile.load(config);
            System.out.println(usesFec ? (loaded.usesFec() ? "yes" : "no") :
                config + ": ok (" + loaded.ports().size() + " ports)");
            return EXIT_OK;
        }
    }

    /**
     * {@code l2mesh default-config}: print the embedded default config, a starting point for your own.
     */
    @Command(name = "default-config", mixinStandardHelpOptions = true,
        description = "Print the embedded default config.")
    static final class DefaultConfig implements Callable<Integer>
    {
        @Override
        public Integer call()
        {
            System.out.print(ConfigFile.defaultText());
            return EXIT_OK;
        }
    }
}
