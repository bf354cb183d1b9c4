package dev.gracefuldrain.sample;

import jakarta.servlet.http.HttpServletRequest;

final class Params
{
    private Params()
    {
    }

    /** A bounded whole-number query parameter; bad values fall back to the default. */
    static long get(HttpServletRequest request, String name, long defaultValue, long max)
    {
        String value = request.getParameter(name);
        if (value == null)
            return defaultValue;
        try
        {
            long parsed = Long.parseLong(value);
            return parsed < 0 ? defaultValue : Math.min(parsed, max);
        }
        catch (NumberFormatException x)
        {
            return defaultValue;
        }
    }
}
