package dev.gracefuldrain.sample;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** POST /upload: reads the whole body, however slowly it arrives, and answers with its length. */
public class UploadServlet extends HttpServlet
{
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        Counters.begin();
        try
        {
            long total = 0;
            byte[] buffer = new byte[8192];
            try (InputStream in = request.getInputStream())
            {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer))
                    total += n;
            }
            response.setContentType("text/plain");
            response.getWriter().print("received " + total + " bytes\n");
        }
        finally
        {
            Counters.end();
        }
    }
}
