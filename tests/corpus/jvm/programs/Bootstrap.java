package com.example.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** orders-api start-up: the settings file is missing, wrapped three times on the way up. */
public class Bootstrap {
    static class SettingsLoader {
        List<String> read(Path path) {
            try {
                return Files.readAllLines(path);
            } catch (IOException e) {
                throw new UncheckedIOException("settings unreadable: " + path, e);
            }
        }
    }

    static class ConfigRegistry {
        private final SettingsLoader loader = new SettingsLoader();

        int load(String profile, Path dir) throws ConfigException {
            try {
                return loader.read(dir.resolve(profile + ".properties")).size();
            } catch (UncheckedIOException e) {
                throw new ConfigException("cannot load profile " + profile, e);
            }
        }
    }

    static void start(int port, Path dir) {
        try {
            int keys = new ConfigRegistry().load("prod", dir);
            System.out.println("loaded " + keys + " settings, listening on " + port);
        } catch (ConfigException e) {
            throw new IllegalStateException("orders-api startup aborted (port " + port + ")", e);
        }
    }

    public static void main(String[] args) {
        System.out.println("orders-api booting");
        start(Integer.parseInt(args[0]), Path.of(args[1]));
    }
}

class ConfigException extends Exception {
    ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
