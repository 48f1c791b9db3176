package dev.subprocess4j.cli.parallel;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GNU parallel's {@code --halt}: when (never, soon: start no new job, now: also kill the running
 * ones) and why (so many, or so many percent of all jobs, failed, succeeded or done).
 */
record Halt(When when, Why why, int count, boolean percent) {
    enum When { NEVER, SOON, NOW }

    enum Why { FAIL, SUCCESS, DONE }

    static final Halt NEVER = new Halt(When.NEVER, Why.FAIL, 0, false);
    static final Halt SOON_FAIL_1 = new Halt(When.SOON, Why.FAIL, 1, false);

    private static final Pattern FORM = Pattern.compile("(now|soon),(fail|success|done)=(\\d+)(%?)");

    /**
     * Parses {@code never}, {@code now|soon,fail|success|done=N[%]}, or the older 0, 1, 2, -1, -2, 1-99%.
     *
     * @throws IllegalArgumentException naming the bad value
     */
    static Halt parse(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        switch (v) {
            case "never", "0": return NEVER;
            case "1": return SOON_FAIL_1;
            case "2": return new Halt(When.NOW, Why.FAIL, 1, false);
            case "-1": return new Halt(When.SOON, Why.SUCCESS, 1, false);
            case "-2": return new Halt(When.NOW, Why.SUCCESS, 1, false);
            default: break;
        }
        if (v.matches("\\d{1,2}%")) {
            int p = Integer.parseInt(v.substring(0, v.length() - 1));
            if (p >= 1) {
                return new Halt(When.SOON, Why.FAIL, p, true);
            }
        }
        Matcher m = FORM.matcher(v);
        if (m.matches() && m.group(3).length() <= 9) {
            int n = Integer.parseInt(m.group(3));
            boolean percent = !m.group(4).isEmpty();
            if (n >= 1 && (!percent || n <= 100)) {
                return new Halt(When.valueOf(m.group(1).toUpperCase(Locale.ROOT)),
                        Why.valueOf(m.group(2).toUpperCase(Locale.ROOT)), n, percent);
            }
        }
        throw new IllegalArgumentException("--halt must be never, now|soon,fail|success|done=N or N% (N from 1),"
                + " or 0, 1, 2, -1, -2: '" + value + "'");
    }

    /** Whether the counts so far meet the condition. */
    boolean reached(int failed, int succeeded, int total) {
        if (when == When.NEVER) {
            return false;
        }
        int n = switch (why) {
            case FAIL -> failed;
            case SUCCESS -> succeeded;
            case DONE -> failed + succeeded;
        };
        return percent ? n > 0 && (long) n * 100 >= (long) count * total : n >= count;
    }

    /**
     * The exit status after the halt was reached, as GNU parallel gives it: 0 for success=; the
     * failed job's own exit value for fail=1; the percentage of failed jobs for N%; else the
     * number of failed jobs (at most 101).
     */
    int exitStatus(int failed, int total, int lastFailureExitValue) {
        if (why == Why.SUCCESS) {
            return 0;
        }
        if (percent) {
            return total == 0 ? 0 : (int) ((long) failed * 100 / total);
        }
        if (why == Why.FAIL && count == 1 && lastFailureExitValue > 0) {
            return lastFailureExitValue;
        }
        return Math.min(failed, Summary.MAX_EXIT);
    }
}
