package dev.gracefuldrain.spring;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Ends server-sent event streams when the drain begins, instead of letting them hold the shutdown until
 * the stream budget ({@code server.jetty.drain.stream-timeout}) cuts them. Register each emitter:
 * <pre>{@code
 * @GetMapping("/events")
 * SseEmitter events() {
 *     return sseEmitters.register(new SseEmitter(0L));
 * }
 * }</pre>
 * At the drain's start each one gets a last event, {@code event: drain} with the budget in ms as data
 * (a client may reconnect elsewhere at once), and is completed. One registered during the drain is
 * completed at once.
 */
public final class DrainingSseEmitters
{
    public static final String DRAIN_EVENT = "drain";

    private final Set<SseEmitter> emitters = ConcurrentHashMap.newKeySet();
    private volatile Duration draining;

    DrainingSseEmitters(DrainInstaller installer)
    {
        installer.onDrainBegan(this::drainBegan);
    }

    public <T extends SseEmitter> T register(T emitter)
    {
        emitters.add(emitter);
        emitter.onCompletion(() -> emitters.remove(emitter));
        emitter.onError(x -> emitters.remove(emitter));
        emitter.onTimeout(() -> emitters.remove(emitter));
        Duration budget = draining;
        if (budget != null)
            end(emitter, budget);
        return emitter;
    }

    /** @return the streams open now */
    public int size()
    {
        return emitters.size();
    }

    private void drainBegan(Duration budget)
    {
        draining = budget;
        emitters.forEach(emitter -> end(emitter, budget));
    }

    private void end(SseEmitter emitter, Duration budget)
    {
        emitters.remove(emitter);
        try
        {
            emitter.send(SseEmitter.event().name(DRAIN_EVENT).data(budget.toMillis()));
            emitter.complete();
        }
        catch (Exception x)
        {
            emitter.completeWithError(x);
        }
    }
}
