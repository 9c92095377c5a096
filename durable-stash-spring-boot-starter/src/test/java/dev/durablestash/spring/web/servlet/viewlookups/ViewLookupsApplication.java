package dev.durablestash.spring.web.servlet.viewlookups;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A view controller ({@link ProfileController}), another view controller that has it injected
 * ({@link DashboardController}), and a singleton controller that looks it up through an
 * {@code ObjectProvider} ({@link SettingsController}).
 */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration" })
public class ViewLookupsApplication {
}
