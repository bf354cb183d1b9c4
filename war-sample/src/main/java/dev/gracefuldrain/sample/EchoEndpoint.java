package dev.gracefuldrain.sample;

import java.io.IOException;

import jakarta.servlet.ServletContext;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;

/**
 * WebSocket /echo: sends each text message back. A programmatic endpoint, registered by {@link EchoSetup},
 * since the sample scans no annotations. Each close is logged with its code, so a test can see how the
 * drain ended a session (1001 going away, 1006 cut, ...).
 */
public class EchoEndpoint extends Endpoint
{
    private ServletContext context;

    /** Only called once the container is known to be there: this class needs the WebSocket API to load. */
    static void register(ServletContext context, Object container) throws Exception
    {
        ServerEndpointConfig config = ServerEndpointConfig.Builder.create(EchoEndpoint.class, "/echo").build();
        // The endpoint logs through the webapp, as the servlets do.
        config.getUserProperties().put(ServletContext.class.getName(), context);
        ((ServerContainer)container).addEndpoint(config);
    }

    @Override
    public void onOpen(Session session, EndpointConfig config)
    {
        context = (ServletContext)config.getUserProperties().get(ServletContext.class.getName());
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>)text ->
        {
            try
            {
                session.getBasicRemote().sendText(text);
            }
            catch (IOException x)
            {
                log("echo failed on session " + session.getId() + ": " + x);
            }
        });
    }

    @Override
    public void onClose(Session session, CloseReason reason)
    {
        log("echo session " + session.getId() + " closed: " + reason.getCloseCode().getCode() + " " + reason.getReasonPhrase());
    }

    @Override
    public void onError(Session session, Throwable failure)
    {
        log("echo session " + session.getId() + " failed: " + failure);
    }

    private void log(String message)
    {
        if (context != null)
            context.log(message);
    }
}
