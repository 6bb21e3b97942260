package io.l2mesh.control.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l2mesh.control.protocol.ControlCodec;
import io.l2mesh.control.protocol.ControlException;
import io.l2mesh.control.protocol.ErrorCode;
import io.l2mesh.control.protocol.Request;
import io.l2mesh.switching.Switch;
import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.tester.TestFrame;
import io.l2mesh.switching.tester.TestReceiver;
import io.l2mesh.switching.tester.TestSender;
import io.l2mesh.switching.tester.TrialResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/**
 * {@code test.run}: the built-in traffic tester (RFC 2544 style) between two ports of this switch, across whatever
 * device or path connects them. For each frame size a trial sends test frames ({@link TestFrame}) out of
 * {@code from} at the offered rate for the duration, from a task on a datapath loop ({@link TestSender}), and the
 * loops consume them where they arrive on {@code to} ({@link TestReceiver}); with {@code search}, RFC 2544's
 * binary search looks for the highest rate whose loss is at most {@code max_loss}. Each trial's result is a stream
 * item as it ends, then the stream ends. One test at a time. Control loop only; the trials are scheduled on it,
 * never waited for.
 */
final class TestCommands
{
    private static final Logger LOG = LoggerFactory.getLogger(TestCommands.class);
    /** RFC 2544's frame sizes for Ethernet. */
    static final int[] RFC2544_SIZES = {64, 128, 256, 512, 1024, 1280, 1518};
    static final int DEFAULT_DURATION_S = 60;
    static final int MAX_DURATION_S = 3_600;
    /** The most frames one trial may send: its duplicate bitmap is an eighth of this in bytes (32 MiB). */
    static final long MAX_TRIAL_FRAMES = 1L << 28;
    /** After the sender stops: how long frames still in flight may take to arrive. */
    static final long SETTLE_MS = 300;
    /** The binary search stops when its bounds are within this share of the upper one, or after this many. */
    static final double SEARCH_RESOLUTION = 0.01;
    static final int SEARCH_TRIALS = 12;
    private static final long SOURCE_MAC = 0x024c_3254_0000L;
    private static final long DESTINATION_MAC = 0x024c_3254_fffeL;
    private static final long POLL_MS = 50;

    private final Switch sw;
    private final ControlServer server;
    private int nextTestId = 1;
    private Run running;

    TestCommands(final Switch sw, final ControlServer server)
    {
        this.sw = sw;
        this.server = server;
    }

    private record Plan(Port from, Port to, int[] sizes, double rateFps, double rateBps, boolean search,
        double maxLoss, int durationS, int vlan, int flows)
    {
        /** @return the offered rate for {@code size}, frames per second. */
        double fps(final int size)
        {
            return rateFps > 0 ? rateFps : rateBps / (size * 8.0);
        }
    }

    void testRun(final Request request, final ControlConnection connection)
    {
        if (running != null)
        {
            throw new ControlException(ErrorCode.FAILED, "a test is running (from " + running.plan.from.name() +
                " to " + running.plan.to.name() + "): one at a time");
        }
        final Plan plan = plan(request);
        running = new Run(plan, connection);
        LOG.info("test: from {} to {}, sizes {}, {} s per trial{}", plan.from.name(), plan.to.name(),
            java.util.Arrays.toString(plan.sizes), plan.durationS, plan.search ? ", search" : "");
        running.next();
    }

    /**
     * {@code test.reflect}: the port sends the tester's frames it receives straight back, MACs swapped (the far end
     * of a test through a tunnel), or stops ({@code on: false}).
     */
    JsonNode testReflect(final Request request)
    {
        final Port port = port(request.text("port", null), "port");
        final JsonNode on = request.args().get("on");
        if (on != null && !on.isBoolean())
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.on must be true or false");
        }
        final boolean reflect = on == null || on.booleanValue();
        port.reflectsTests(reflect);
        LOG.info("test: port {} {} test frames", port.name(), reflect ? "reflects" : "no longer reflects");
        final ObjectNode result = ControlCodec.JSON.createObjectNode();
        result.put("port", port.name());
        result.put("reflects", reflect);
        return result;
    }

    private Plan plan(final Request request)
    {
        final ObjectNode args = request.args();
        final Port from = port(request.text("from", null), "from");
        final Port to = port(request.text("to", null), "to");
        final int[] sizes = sizes(args.get("sizes"));
        final double rateFps = positive(args, "rate_fps");
        final double rateBps = positive(args, "rate_bps");
        if ((rateFps > 0) == (rateBps > 0))
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "give one of args.rate_fps and args.rate_bps (with " +
                "search: the highest rate to try)");
        }
        final JsonNode searchNode = args.get("search");
        if (searchNode != null && !searchNode.isBoolean())
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.search must be true or false");
        }
        final boolean search = searchNode != null && searchNode.booleanValue();
        final double maxLossPercent = args.has("max_loss") ? number(args, "max_loss", 0, 100) : 0;
        final int durationS = (int)request.number("duration_s", DEFAULT_DURATION_S, 1, MAX_DURATION_S);
        final int vlan = (int)request.number("vlan", 0, 0, 4094);
        final int flows = (int)request.number("flows", 1, 1, 65_535);
        final Plan plan = new Plan(from, to, sizes, rateFps, rateBps, search, maxLossPercent / 100, durationS,
            vlan, flows);
        for (final int size : sizes)
        {
            if (plan.fps(size) * durationS > MAX_TRIAL_FRAMES)
            {
                throw new ControlException(ErrorCode.BAD_REQUEST, "a trial of " + size + "-byte frames at " +
                    Math.round(plan.fps(size)) + " frames/s for " + durationS + " s is more than " +
                    MAX_TRIAL_FRAMES + " frames: lower the rate or the duration");
            }
            if (plan.fps(size) < 1)
            {
                throw new ControlException(ErrorCode.BAD_REQUEST, "the rate is below one " + size + "-byte frame " +
                    "per second");
            }
        }
        return plan;
    }

    private Port port(final String name, final String what)
    {
        if (name == null)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args." + what + " is required (a port name)");
        }
        final Port port = sw.ports().byName(name);
        if (port == null)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "no port named '" + name + "'");
        }
        return port;
    }

    private static int[] sizes(final JsonNode node)
    {
        if (node == null || node.isNull())
        {
            return RFC2544_SIZES.clone();
        }
        if (!node.isArray() || node.isEmpty() || node.size() > 32)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args.sizes must be a list of 1 to 32 frame sizes");
        }
        final int[] sizes = new int[node.size()];
        for (int i = 0; i < sizes.length; i++)
        {
            final JsonNode s = node.get(i);
            if (!s.isInt() || s.intValue() < TestFrame.MIN_SIZE || s.intValue() > TestFrame.MAX_SIZE)
            {
                throw new ControlException(ErrorCode.BAD_REQUEST, "args.sizes[" + i + "]: " + s + " is not a frame " +
                    "size in " + TestFrame.MIN_SIZE + ".." + TestFrame.MAX_SIZE + " (bytes, FCS included)");
            }
            sizes[i] = s.intValue();
        }
        return sizes;
    }

    private static double positive(final ObjectNode args, final String name)
    {
        return args.has(name) ? number(args, name, Double.MIN_VALUE, 1e12) : 0;
    }

    private static double number(final ObjectNode args, final String name, final double min, final double max)
    {
        final JsonNode value = args.get(name);
        if (value == null || !value.isNumber() || value.doubleValue() < min || value.doubleValue() > max)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args." + name + " must be a number in " + min + ".." +
                max);
        }
        return value.doubleValue();
    }

    /**
     * One test: its trials one after another, each scheduled on the control loop.
     */
    private final class Run
    {
        final Plan plan;
        final ControlConnection connection;
        final Arena arena = Arena.ofShared();
        int sizeIndex = -1;
        double lo;
        double hi;
        double best;
        int searchTrials;
        TestSender sender;
        TestReceiver receiver;
        double offered;
        long startedMs;

        Run(final Plan plan, final ControlConnection connection)
        {
            this.plan = plan;
            this.connection = connection;
        }

        /** Starts the next size's first trial, or ends the test. */
        void next()
        {
            sizeIndex++;
            if (sizeIndex >= plan.sizes.length)
            {
                finish(null);
                return;
            }
            final int size = plan.sizes[sizeIndex];
            lo = 0;
            hi = plan.fps(size);
            best = 0;
            searchTrials = 0;
            trial(hi);
        }

        void trial(final double fps)
        {
            if (connection.isClosed())
            {
                finish("the client left");
                return;
            }
            final int size = plan.sizes[sizeIndex];
            final int testId = nextTestId++;
            offered = fps;
            receiver = new TestReceiver(testId, sw.loopCount(), (long)Math.ceil(fps * plan.durationS) + 1024);
            plan.to.testReceiver(receiver);
            sender = new TestSender(plan.from, testId, size, fps, TimeUnit.SECONDS.toNanos(plan.durationS),
                plan.vlan, plan.flows, SOURCE_MAC, DESTINATION_MAC, arena);
            startedMs = System.currentTimeMillis();
            try
            {
                sw.startTask(0, sender);
            }
            catch (final IllegalStateException ex)
            {
                finish(ex.getMessage());
                return;
            }
            later(this::poll, POLL_MS);
        }

        /**
         * Runs {@code step} on the control loop after {@code ms}; not tied to the connection, so a client that
         * leaves still lets the run end cleanly (sender stopped, receiver detached, the next test allowed).
         */
        void later(final Runnable step, final long ms)
        {
            server.loop().schedule(() ->
            {
                try
                {
                    step.run();
                }
                catch (final RuntimeException ex)
                {
                    LOG.error("test: {}", ex.toString());
                    finish(ex.toString());
                }
            }, ms, TimeUnit.MILLISECONDS);
        }

        void poll()
        {
            final boolean late = System.currentTimeMillis() - startedMs > plan.durationS * 1000L + 10_000;
            if (connection.isClosed() || late)
            {
                sender.stop();
            }
            if (!sender.done() && !late && !connection.isClosed())
            {
                later(this::poll, POLL_MS);
                return;
            }
            later(this::collect, SETTLE_MS);
        }

        void collect()
        {
            plan.to.testReceiver(null);
            sw.quiesceLoops(); // the loops' last counts are visible from here on
            final int size = plan.sizes[sizeIndex];
            final TrialResult result = TrialResult.of(size, offered, TimeUnit.SECONDS.toNanos(plan.durationS),
                sender, receiver);
            if (connection.isClosed())
            {
                finish("the client left");
                return;
            }
            // A trial whose sender fell behind did not offer the rate: it passes no rate (RFC 2544 offers it).
            final boolean passed = result.loss() <= plan.maxLoss + 1e-12 && !result.senderLimited();
            final ObjectNode item = trialJson(result);
            item.put("passed", passed);
            if (!connection.send(ControlCodec.streamItem(item)))
            {
                finish("the client does not read");
                return;
            }
            if (!plan.search)
            {
                next();
                return;
            }
            searchTrials++;
            if (passed)
            {
                best = Math.max(best, offered);
                lo = offered;
            }
            else
            {
                hi = offered;
            }
            if (lo >= hi || hi - lo <= SEARCH_RESOLUTION * hi || searchTrials >= SEARCH_TRIALS)
            {
                final ObjectNode found = ControlCodec.JSON.createObjectNode();
                found.put("type", "search");
                found.put("size", size);
                found.put("max_loss", plan.maxLoss);
                found.put("best_fps", best);
                found.put("best_bps", best * size * 8);
                found.put("trials", searchTrials);
                if (!connection.send(ControlCodec.streamItem(found)))
                {
                    finish("the client does not read");
                    return;
                }
                next();
                return;
            }
            trial((lo + hi) / 2);
        }

        void finish(final String why)
        {
            if (running != this)
            {
                return; // finished already
            }
            if (sender != null)
            {
                sender.stop();
            }
            plan.to.testReceiver(null);
            running = null;
            if (why != null)
            {
                LOG.info("test: stopped: {}", why);
            }
            if (!connection.isClosed())
            {
                connection.send(ControlCodec.streamEnd());
            }
            // The sender's buffer lives in the arena: closed once the loop has dropped the task.
            server.loop().schedule(() ->
            {
                sw.quiesceLoops();
                arena.close();
            }, POLL_MS, TimeUnit.MILLISECONDS);
        }
    }

    private static ObjectNode trialJson(final TrialResult r)
    {
        final ObjectNode t = ControlCodec.JSON.createObjectNode();
        t.put("type", "trial");
        t.put("size", r.size());
        t.put("offered_fps", r.offeredFps());
        t.put("offered_bps", r.offeredFps() * r.size() * 8);
        t.put("duration_s", r.durationS());
        t.put("sent", r.sent());
        t.put("received", r.received());
        t.put("lost", r.lost());
        t.put("loss", r.loss());
        t.put("duplicates", r.duplicates());
        t.put("reordered", r.reordered());
        t.put("send_refused", r.refused());
        t.put("sent_fps", r.sentFps());
        t.put("sender_limited", r.senderLimited());
        t.put("stale", r.stale());
        t.put("throughput_fps", r.throughputFps());
        t.put("throughput_bps", r.throughputBps());
        final ObjectNode latency = t.putObject("latency_us");
        latency.put("min", r.minUs());
        latency.put("p50", r.p50Us());
        latency.put("p90", r.p90Us());
        latency.put("p99", r.p99Us());
        latency.put("p99_9", r.p999Us());
        latency.put("max", r.maxUs());
        final com.fasterxml.jackson.databind.node.ArrayNode histogram = t.putArray("latency_histogram_us");
        for (final double[] bucket : r.histogram())
        {
            histogram.addArray().add(bucket[0]).add((long)bucket[1]);
        }
        return t;
    }
}
