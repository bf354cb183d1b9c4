package dev.gracefuldrain.jmx;

import dev.gracefuldrain.Drain;
import dev.gracefuldrain.DrainStatus;
import org.eclipse.jetty.jmx.ObjectMBean;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;

/**
 * The drain in JMX, as {@code dev.gracefuldrain:type=drain}: Jetty's {@code MBeanContainer} finds this
 * class by name for every {@link Drain} bean when the {@code jmx} module is enabled.
 */
@ManagedObject("Drains HTTP/1.1, HTTPS, HTTP/2 and WebSocket connections on stop")
public class DrainMBean extends ObjectMBean
{
    public DrainMBean(Object managedObject)
    {
        super(managedObject);
    }

    private DrainStatus status()
    {
        return ((Drain)getManagedObject()).status();
    }

    @ManagedAttribute("The drain phase: SERVING, MAINTENANCE, ADVERTISING, DRAINING, FORCING or STOPPED")
    public String getPhase()
    {
        return status().getPhase();
    }

    @ManagedAttribute("Connections tracked on the managed connectors")
    public int getConnections()
    {
        return status().getConnections();
    }

    @ManagedAttribute("Tracked connections by state, e.g. never-used=1 idle=20 busy=5 lingering=0")
    public String getConnectionStates()
    {
        return status().getConnectionStates();
    }

    @ManagedAttribute("Requests handled since start (readiness probes aside)")
    public int getRequests()
    {
        return status().getRequests();
    }

    @ManagedAttribute("Requests being handled now (readiness probes aside)")
    public int getRequestsActive()
    {
        return status().getRequestsActive();
    }

    @ManagedAttribute("How many drains have completed since this server was created")
    public int getDrains()
    {
        return status().getDrains();
    }

    @ManagedAttribute("The summary of the last drain, empty before the first")
    public String getLastDrainSummary()
    {
        return status().getLastDrainSummary();
    }

    @ManagedOperation(value = "Start a maintenance drain: readiness 503, Connection: close, idle connections closed; the listener stays open", impact = "ACTION")
    public String startMaintenance()
    {
        return status().startMaintenance();
    }

    @ManagedOperation(value = "End a maintenance drain: serve normally again", impact = "ACTION")
    public String resumeServing()
    {
        return status().resumeServing();
    }
}
