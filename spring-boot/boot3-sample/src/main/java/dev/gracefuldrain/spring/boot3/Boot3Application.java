package dev.gracefuldrain.spring.boot3;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Spring Boot 3.5 on Jetty 12.0 with the graceful-drain starter for 3.5: {@code /slow?ms=N} answers after N ms. */
@SpringBootApplication
@RestController
public class Boot3Application
{
    public static void main(String[] args)
    {
        SpringApplication.run(Boot3Application.class, args);
    }

    @GetMapping("/slow")
    String slow(@RequestParam(name = "ms", defaultValue = "1000") long ms) throws InterruptedException
    {
        Thread.sleep(ms);
        return "done\n";
    }
}
