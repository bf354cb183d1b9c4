package dev.gracefuldrain.it;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.VirtualMachine;
import dev.gracefuldrain.testsupport.Await;
import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.Wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drain's MBean, read through a real JMX connection to the Jetty process (the local management
 * agent, started through the Attach API: no port is opened on the server), and the maintenance drain.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JmxIT
{
    @Test
    void theDrainMBeanAndAMaintenanceDrain() throws Exception
    {
        Jetty.Base base = Jetty.base("jmx", Jetty.Enable.START_D, "http", "ee10-deploy", "jmx", "graceful-drain");
        try (Jetty.Server server = base.start("jetty.drain.readinessPath=/ready"))
        {
            int port = server.port;
            VirtualMachine vm = VirtualMachine.attach(String.valueOf(server.process.pid()));
            String address;
            try
            {
                address = vm.startLocalManagementAgent();
            }
            finally
            {
                vm.detach();
            }
            try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address)))
            {
                MBeanServerConnection jmx = connector.getMBeanServerConnection();
                Set<ObjectName> names = jmx.queryNames(new ObjectName("dev.gracefuldrain:type=drain,*"), null);
                assertEquals(1, names.size(), "one drain MBean: " + names);
                ObjectName drain = names.iterator().next();

                Wire idle = Wire.open(port);
                idle.send(Wire.request("GET", "/sample/fast"));
                idle.readResponse(Duration.ofSeconds(10));
                String serving = (String)jmx.getAttribute(drain, "phase");
                // The connection turns idle when its exchange completes, which may be just after the client read the response.
                String states = Await.until("an idle connection", Duration.ofSeconds(5), Duration.ofMillis(5),
                    () -> (String)jmx.getAttribute(drain, "connectionStates"), s -> !s.contains(" idle=0 "));
                int requests = (Integer)jmx.getAttribute(drain, "requests");

                String started = (String)jmx.invoke(drain, "startMaintenance", null, null);
                Wire.Closing idleClosing = idle.awaitClose(Duration.ofSeconds(10));
                Wire.Response ready = Wire.get(port, "/ready");
                Wire.Response served = Wire.get(port, "/sample/fast");
                Wire pooled = Wire.open(port);
                pooled.send(Wire.request("GET", "/sample/fast"));
                Wire.Response onPooled = pooled.readResponse(Duration.ofSeconds(10));
                pooled.close();
                String maintenance = (String)jmx.getAttribute(drain, "phase");

                String resumed = (String)jmx.invoke(drain, "resumeServing", null, null);
                Wire.Response readyAgain = Wire.get(port, "/ready");
                Wire again = Wire.open(port);
                again.send(Wire.request("GET", "/sample/fast"));
                Wire.Response keptAlive = again.readResponse(Duration.ofSeconds(10));
                again.close();

                System.out.printf("%n== JMX ==%n%s: phase %s, %s, requests %d%nstartMaintenance -> '%s'; idle connection %s; /ready %d '%s'; /sample/fast on a pooled connection Connection:%s%nresumeServing -> '%s'; /ready %d '%s'%n",
                    drain, serving, states, requests, started, idleClosing.kind(), ready.status(), ready.bodyText().trim(), onPooled.header("connection"),
                    resumed, readyAgain.status(), readyAgain.bodyText().trim());
                assertAll(
                    () -> assertEquals("SERVING", serving),
                    () -> assertTrue(states.matches("never-used=\\d+ idle=[1-9]\\d* busy=\\d+ lingering=\\d+"), states),
                    () -> assertTrue(requests >= 1, "requests " + requests),
                    () -> assertEquals("maintenance: closed 1 idle or never-used connection(s)", started),
                    () -> assertEquals(Wire.Close.FIN, idleClosing.kind(), "the idle connection is closed"),
                    () -> assertEquals(503, ready.status()),
                    () -> assertEquals("maintenance", ready.bodyText().trim()),
                    () -> assertEquals(200, served.status(), "the listener stays open and serves"),
                    () -> assertTrue(onPooled.connectionClose(), "every response says Connection: close"),
                    () -> assertEquals("MAINTENANCE", maintenance),
                    () -> assertEquals("serving", resumed),
                    () -> assertEquals(200, readyAgain.status()),
                    () -> assertNull(keptAlive.header("connection"), "keep-alive again"));

                // During a real drain the MBean shows it.
                Wire busy = Wire.open(port);
                busy.send(Wire.request("GET", "/sample/slow?ms=1500"));
                DrainScenario.awaitInFlight(port, 1, Duration.ofSeconds(10));
                server.sigterm();
                String draining = awaitPhase(jmx, drain, "DRAINING", Duration.ofSeconds(10));
                int active = (Integer)jmx.getAttribute(drain, "requestsActive");
                System.out.printf("during the drain: phase %s, requests active %d%n", draining, active);
                assertEquals("DRAINING", draining);
                assertEquals(1, active);
                assertEquals(200, busy.readResponse(Duration.ofSeconds(10)).status());
            }
            server.awaitExit(Duration.ofSeconds(30));
        }
    }

    private static String awaitPhase(MBeanServerConnection jmx, ObjectName drain, String phase, Duration timeout) throws Exception
    {
        return Await.until("phase " + phase, timeout, Duration.ofMillis(5), () -> (String)jmx.getAttribute(drain, "phase"), phase::equals);
    }
}
