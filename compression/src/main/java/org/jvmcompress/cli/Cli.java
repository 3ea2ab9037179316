package org.jvmcompress.cli;

import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.DataHome;

/** Typed, validated access to common options. */
final class Cli {
    private Cli() {}

    static long seed(CommandLine cl) {
        return longOpt(cl, "seed", 42, Long.MIN_VALUE);
    }

    static DataHome dataHome(CommandLine cl) {
        String d = cl.getOptionValue("data-dir");
        return DataHome.resolve(d == null ? null : Path.of(d));
    }

    static Path output(CommandLine cl, String fallback) {
        return Path.of(cl.getOptionValue("output", fallback)).toAbsolutePath().normalize();
    }

    static int intOpt(CommandLine cl, String name, int fallback, int min) {
        return (int) longOpt(cl, name, fallback, min);
    }

    static long longOpt(CommandLine cl, String name, long fallback, long min) {
        String v = cl.getOptionValue(name);
        if (v == null) {
            return fallback;
        }
        long x;
        try {
            x = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new CompressionException("--" + name + " must be an integer, got '" + v + "'");
        }
        if (x < min) {
            throw new CompressionException("--" + name + " must be at least " + min + ", got " + x);
        }
        return x;
    }

    static double doubleOpt(CommandLine cl, String name, double fallback) {
        String v = cl.getOptionValue(name);
        if (v == null) {
            return fallback;
        }
        try {
            double x = Double.parseDouble(v.trim());
            if (!Double.isFinite(x)) {
                throw new NumberFormatException();
            }
            return x;
        } catch (NumberFormatException e) {
            throw new CompressionException("--" + name + " must be a number, got '" + v + "'");
        }
    }

    /** The command line as typed, for provenance records. */
    static String commandLine(String command, CommandLine cl) {
        StringBuilder sb = new StringBuilder("bin/compression ").append(command);
        for (org.apache.commons.cli.Option o : cl.getOptions()) {
            sb.append(" --").append(o.getLongOpt());
            if (o.hasArg()) {
                sb.append(' ').append(o.getValue());
            }
        }
        for (String a : cl.getArgList()) {
            sb.append(' ').append(a);
        }
        return sb.toString();
    }
}
