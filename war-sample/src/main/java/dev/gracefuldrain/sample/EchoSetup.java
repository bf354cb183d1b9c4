package dev.gracefuldrain.sample;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/**
 * Registers the WebSocket endpoint /echo, declared in web.xml (no annotation scanning). Where the Jetty base
 * has no Jakarta WebSocket module, the container attribute is absent and so are the API classes: it logs one
 * line and the webapp deploys without /echo. That is why no WebSocket type appears here.
 */
public class EchoSetup implements ServletContextListener
{
    private static final String CONTAINER = "jakarta.websocket.server.ServerContainer";

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        ServletContext context = event.getServletContext();
        Object container = context.getAttribute(CONTAINER);
        if (container == null)
        {
            context.log("no " + CONTAINER + " (WebSocket module not enabled): /echo not available");
            return;
        }
        try
        {
            EchoEndpoint.register(context, container);
        }
        catch (Exception x)
        {
            throw new IllegalStateException("cannot register /echo", x);
        }
    }
}
