package io.l2mesh.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * {@code l2mesh ctl peer|fec|impair}: the tunnel ports' peers, forward error correction and impairment. Peers go
 * through {@code peer.add}/{@code peer.del}, FEC through {@code fec.set}, impairment through {@code port.set};
 * each is saved, and FEC and impairment change in place.
 */
final class TunnelCommand
{
    private TunnelCommand()
    {
    }

    /**
     * @return request arguments naming {@code port}, or none (every tunnel port) when it is null.
     */
    private static ObjectNode portArgs(final String port)
    {
        final ObjectNode args = CtlCommand.args();
        if (port != null)
        {
            args.put("port", port);
        }
        return args;
    }

    @Command(name = "peer", mixinStandardHelpOptions = true, description = "Peers of tunnel ports.",
        subcommands = {PeerList.class, PeerAdd.class, PeerDel.class})
    static final class Peer
    {
        @ParentCommand
        CtlCommand ctl;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "Every peer: origin (config or registry), path (direct ADDR:PORT) and time on it, " +
            "candidates, session, last handshake, RTT, link loss, traffic, drops.")
    static final class PeerList implements Callable<Integer>
    {
        @ParentCommand
        Peer peer;

        @Parameters(arity = "0..1", paramLabel = "PORT", description = "only this tunnel port")
        String port;

        @Override
        public Integer call()
        {
            final ObjectNode args = portArgs(port);
            return peer.ctl.query("peer.list", args, (result, out) ->
            {
                final TableRenderer table = new TableRenderer("port", "peer", "from", "path", "on_path_s",
                    "candidates", "up", "handshake_s_ago", "rtt_ms", "link_loss", "rx_packets", "tx_packets", "drops");
                final long now = System.currentTimeMillis();
                for (final JsonNode p : result)
                {
                    final long handshake = p.path("last_handshake_ms").asLong();
                    table.row(p.path("port").asText(), p.path("name").asText(), p.path("origin").asText(),
                        p.path("path").asText("-"), p.path("path_ms").asLong(-1) < 0 ? "-" :
                            p.path("path_ms").asLong() / 1000, candidates(p.path("candidates")),
                        p.path("up").asBoolean() ? "yes" : "no", handshake == 0 ? "-" : (now - handshake) / 1000,
                        p.path("rtt_ms").isNull() ? "-" : String.format("%.3f", p.path("rtt_ms").asDouble()),
                        String.format("%.4f", p.path("link_loss").asDouble()), p.path("rx_packets").asLong(),
                        p.path("tx_packets").asLong(), p.path("drops").toString());
                }
                out.print(table.render());
            });
        }
    }

    /**
     * @return the first two candidates, and how many more.
     */
    static String candidates(final JsonNode list)
    {
        if (list.isEmpty())
        {
            return "-";
        }
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < Math.min(2, list.size()); i++)
        {
            text.append(i == 0 ? "" : ",").append(list.get(i).asText());
        }
        return list.size() > 2 ? text + " +" + (list.size() - 2) : text.toString();
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
        description = "Add a peer to a running tunnel port (its other peers keep their sessions); saved.")
    static final class PeerAdd implements Callable<Integer>
    {
        @ParentCommand
        Peer peer;

        @Parameters(index = "0", paramLabel = "PORT")
        String port;

        @Parameters(index = "1", paramLabel = "NAME")
        String name;

        @Option(names = "--public-key", required = true, paramLabel = "BASE64", description = "the peer's key")
        String publicKey;

        @Option(names = "--endpoint", paramLabel = "HOST:PORT",
            description = "where to reach it first: an IP or a DNS name, looked up again when it fails (optional)")
        String endpoint;

        @Option(names = "--preshared-key-file", paramLabel = "FILE", description = "32-byte base64 PSK, mode 600")
        String pskFile;

        @Override
        public Integer call()
        {
            final ObjectNode args = CtlCommand.args();
            args.put("port", port);
            args.put("name", name);
            args.put("public-key", publicKey);
            if (endpoint != null)
            {
                args.put("endpoint", endpoint);
            }
            if (pskFile != null)
            {
                args.put("preshared-key-file", java.nio.file.Path.of(pskFile).toAbsolutePath().toString());
            }
            return peer.ctl.change("peer.add", args);
        }
    }

    @Command(name = "del", mixinStandardHelpOptions = true, description = "Remove a peer from a tunnel port; saved.")
    static final class PeerDel implements Callable<Integer>
    {
        @ParentCommand
        Peer peer;

        @Parameters(index = "0", paramLabel = "PORT")
        String port;

        @Parameters(index = "1", paramLabel = "NAME")
        String name;

        @Override
        public Integer call()
        {
            final ObjectNode args = CtlCommand.args();
            args.put("port", port);
            args.put("name", name);
            return peer.ctl.change("peer.del", args);
        }
    }

    @Command(name = "fec", mixinStandardHelpOptions = true, description = "Forward error correction of tunnel ports.",
        subcommands = {FecShow.class, FecSet.class})
    static final class Fec
    {
        @ParentCommand
        CtlCommand ctl;
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
        description = "Per peer: (k, m), link loss before FEC, frames rebuilt, frames lost for good, residual loss.")
    static final class FecShow implements Callable<Integer>
    {
        @ParentCommand
        Fec fec;

        @Parameters(arity = "0..1", paramLabel = "PORT")
        String port;

        @Override
        public Integer call()
        {
            final ObjectNode args = portArgs(port);
            return fec.ctl.query("fec.show", args, (result, out) ->
            {
                final TableRenderer table = new TableRenderer("port", "peer", "k", "m", "adaptive", "link_loss",
                    "recovered", "unrecoverable", "residual_loss", "rebuild_wait_ms", "decoder_kib", "refused");
                for (final JsonNode p : result)
                {
                    table.row(p.path("port").asText(), p.path("peer").asText(), p.path("k").asInt(),
                        p.path("m").asInt(), p.path("adaptive").asBoolean() ? "yes" : "no",
                        String.format("%.5f", p.path("link_loss").asDouble()), p.path("recovered").asLong(),
                        p.path("unrecoverable").asLong(),
                        String.format("%.5f", p.path("residual_loss").asDouble()),
                        String.format("%.3f", p.path("recovery_wait_ms").asDouble()),
                        p.path("decoder_memory_bytes").asLong() / 1024,
                        p.path("refused_fec_off").asLong() + p.path("refused_fec_memory").asLong());
                }
                out.print(table.render());
                if (!result.isEmpty())
                {
                    out.println("coding loop: " + result.get(0).path("coding_loop").asText());
                }
            });
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
        description = "Set a tunnel port's FEC: 'off', K data and M parity shards per block, or 'adaptive K " +
            "[TARGET]' (m per peer from the loss it reports; TARGET residual loss, default 0.0001); saved.")
    static final class FecSet implements Callable<Integer>
    {
        @ParentCommand
        Fec fec;

        @Parameters(index = "0", paramLabel = "PORT")
        String port;

        @Parameters(index = "1..3", arity = "1..3", paramLabel = "off|port|K M|adaptive K [TARGET]")
        java.util.List<String> shape;

        @Option(names = "--peer", paramLabel = "NAME",
            description = "set this peer's FEC only ('port': back to the port's setting)")
        String peerName;

        @Override
        public Integer call()
        {
            final ObjectNode args = CtlCommand.args();
            args.put("port", port);
            if (peerName != null)
            {
                args.put("peer", peerName);
            }
            if (shape.size() == 1 && shape.get(0).equals("off"))
            {
                args.put("fec", "off");
            }
            else if (shape.size() == 1 && shape.get(0).equals("port") && peerName != null)
            {
                args.putNull("fec");
            }
            else if (shape.get(0).equals("adaptive") && shape.size() >= 2)
            {
                try
                {
                    final ObjectNode spec = args.putObject("fec").put("k", Integer.parseInt(shape.get(1)))
                        .put("adaptive", true);
                    if (shape.size() == 3)
                    {
                        spec.put("target", Double.parseDouble(shape.get(2)));
                    }
                }
                catch (final NumberFormatException ex)
                {
                    System.err.println("fec set: K must be a whole number and TARGET a number");
                    return 2;
                }
            }
            else if (shape.size() == 2)
            {
                try
                {
                    args.putObject("fec").put("k", Integer.parseInt(shape.get(0)))
                        .put("m", Integer.parseInt(shape.get(1)));
                }
                catch (final NumberFormatException ex)
                {
                    System.err.println("fec set: K and M must be whole numbers");
                    return 2;
                }
            }
            else
            {
                System.err.println("fec set: expected 'off' or K M");
                return 2;
            }
            return fec.ctl.change("fec.set", args);
        }
    }

    @Command(name = "handshake", mixinStandardHelpOptions = true,
        description = "Handshakes of tunnel ports: what the DoS defence (mac1, cookies, rate limits) did.",
        subcommands = {HandshakeShow.class})
    static final class Handshake
    {
        @ParentCommand
        CtlCommand ctl;
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
        description = "Per tunnel port: whether it is under load, and the handshake DoS counters.")
    static final class HandshakeShow implements Callable<Integer>
    {
        @ParentCommand
        Handshake handshake;

        @Parameters(arity = "0..1", paramLabel = "PORT")
        String port;

        @Override
        public Integer call()
        {
            return handshake.ctl.query("handshake.show", portArgs(port), (result, out) ->
            {
                final TableRenderer table = new TableRenderer("port", "counter", "value");
                for (final JsonNode p : result)
                {
                    p.fields().forEachRemaining(field ->
                    {
                        if (!field.getKey().equals("port"))
                        {
                            table.row(p.path("port").asText(), field.getKey(), field.getValue().asText());
                        }
                    });
                }
                out.print(table.render());
            });
        }
    }

    @Command(name = "relay", mixinStandardHelpOptions = true,
        description = "What tunnel ports relay for peers with no direct path between them (docs/nat.md).",
        subcommands = {RelayShow.class})
    static final class Relay
    {
        @ParentCommand
        CtlCommand ctl;
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
        description = "Per tunnel port: whether it relays, totals, refusals by reason, and each pair it relayed for.")
    static final class RelayShow implements Callable<Integer>
    {
        @ParentCommand
        Relay relay;

        @Parameters(arity = "0..1", paramLabel = "PORT")
        String port;

        @Override
        public Integer call()
        {
            return relay.ctl.query("relay.show", portArgs(port), (result, out) ->
            {
                for (final JsonNode p : result)
                {
                    out.printf("%s: relay %s (%d Mbit/s per pair); forwarded %d datagrams, %d bytes; refused %s;"
                        + " delivered to us %d, refused %d%n", p.path("port").asText(),
                        p.path("serve").asBoolean() ? "on" : "off", p.path("pair_mbps").asInt(),
                        p.path("forwarded").asLong(), p.path("forwarded_bytes").asLong(), p.path("refused"),
                        p.path("delivered_to_us").asLong(), p.path("delivery_refused").asLong());
                }
                final TableRenderer table = new TableRenderer("port", "from", "to", "packets", "bytes", "capped");
                for (final JsonNode p : result)
                {
                    for (final JsonNode pair : p.path("pairs"))
                    {
                        table.row(p.path("port").asText(), pair.path("from").asText(), pair.path("to").asText(),
                            pair.path("packets").asLong(), pair.path("bytes").asLong(), pair.path("capped").asLong());
                    }
                }
                out.print(table.render());
            });
        }
    }

    @Command(name = "impair", mixinStandardHelpOptions = true,
        description = "Impair what a tunnel port sends (loss, bursts, delay, reordering, duplication, rate).",
        subcommands = {ImpairShow.class, ImpairSet.class, ImpairClear.class})
    static final class Impair
    {
        @ParentCommand
        CtlCommand ctl;
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Settings and counters.")
    static final class ImpairShow implements Callable<Integer>
    {
        @ParentCommand
        Impair impair;

        @Parameters(arity = "0..1", paramLabel = "PORT")
        String port;

        @Override
        public Integer call()
        {
            final ObjectNode args = portArgs(port);
            return impair.ctl.query("impair.show", args, (result, out) ->
            {
                for (final JsonNode p : result)
                {
                    out.println(p.path("port").asText() + ": " + p.path("settings"));
                    out.println("  " + p.path("counters"));
                }
            });
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
        description = "Replace a tunnel port's impairment (options not given are off); saved.")
    static final class ImpairSet implements Callable<Integer>
    {
        @ParentCommand
        Impair impair;

        @Parameters(paramLabel = "PORT")
        String port;

        @Option(names = "--loss", paramLabel = "PERCENT", description = "random loss")
        Double loss;

        @Option(names = "--burst", paramLabel = "P,R,LOSS",
            description = "Gilbert-Elliott: good-to-bad chance, bad-to-good chance, loss % in the bad state")
        String burst;

        @Option(names = "--delay", paramLabel = "MS")
        Double delay;

        @Option(names = "--jitter", paramLabel = "MS")
        Double jitter;

        @Option(names = "--reorder", paramLabel = "PERCENT,GAP_MS",
            description = "share of packets held back GAP_MS longer")
        String reorder;

        @Option(names = "--duplicate", paramLabel = "PERCENT")
        Double duplicate;

        @Option(names = "--rate", paramLabel = "KBIT/S")
        Long rate;

        @Option(names = "--seed", description = "random seed, to repeat a run")
        Long seed;

        @Override
        public Integer call()
        {
            final ObjectNode args = CtlCommand.args();
            args.put("name", port);
            final ObjectNode spec = args.putObject("impair");
            try
            {
                putIf(spec, "loss", loss);
                if (burst != null)
                {
                    final String[] parts = burst.split(",");
                    spec.put("burst-good-to-bad", Double.parseDouble(parts[0]));
                    spec.put("burst-bad-to-good", Double.parseDouble(parts[1]));
                    spec.put("burst-loss", parts.length > 2 ? Double.parseDouble(parts[2]) : 100);
                }
                putIf(spec, "delay", delay);
                putIf(spec, "jitter", jitter);
                if (reorder != null)
                {
                    final String[] parts = reorder.split(",");
                    spec.put("reorder", Double.parseDouble(parts[0]));
                    spec.put("reorder-gap", parts.length > 1 ? Double.parseDouble(parts[1]) : 1);
                }
                putIf(spec, "duplicate", duplicate);
                if (rate != null)
                {
                    spec.put("rate-kbps", rate);
                }
                if (seed != null)
                {
                    spec.put("seed", seed);
                }
            }
            catch (final RuntimeException ex)
            {
                System.err.println("impair set: " + ex.getMessage() + " (see --help for the formats)");
                return 2;
            }
            return impair.ctl.change("port.set", args);
        }

        private static void putIf(final ObjectNode spec, final String key, final Double value)
        {
            if (value != null)
            {
                spec.put(key, value);
            }
        }
    }

    @Command(name = "clear", mixinStandardHelpOptions = true, description = "Remove a tunnel port's impairment.")
    static final class ImpairClear implements Callable<Integer>
    {
        @ParentCommand
        Impair impair;

        @Parameters(paramLabel = "PORT")
        String port;

        @Override
        public Integer call()
        {
            final ObjectNode args = CtlCommand.args();
            args.put("name", port);
            args.putNull("impair");
            return impair.ctl.change("port.set", args);
        }
    }
}
