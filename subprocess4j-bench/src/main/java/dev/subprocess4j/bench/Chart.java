package dev.subprocess4j.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Turns a JMH result file ({@code -rf json}) into one PNG (a panel per kind of work, the median
 * time per call of each contender on a log scale) and a Markdown table with each median's ratio to
 * the C loop and to ProcessBuilder. Used by jmh.sh.
 *
 * <p>Usage: {@code Chart results.json chart.png [work=microseconds ...]}, where each optional
 * {@code work=microseconds} is the C loop's median for that work ({@code true}, {@code echo},
 * {@code cat}), measured by jmh.sh just before; the table is printed to standard output.
 */
public final class Chart {
    /** One median: which work, which contender, the median and mean per call in microseconds. */
    record Row(String work, String contender, double median, double mean, long samples) { }

    private static final Map<String, String> WORKS = new LinkedHashMap<>();
    private static final Map<String, String> CONTENDERS = new LinkedHashMap<>();

    static {
        WORKS.put("TrueBenchmark", "/bin/true, start to reaped");
        WORKS.put("EchoBenchmark", "echo test, stdout captured");
        WORKS.put("CatBenchmark", "1 MiB into cat and back (communicate)");
        WORKS.put("ChildSetupBenchmark", "/bin/true with child-side setup (library, native backend)");
        CONTENDERS.put("library/linux-native", "library (native backend)");
        CONTENDERS.put("library/jdk", "library (JDK backend)");
        CONTENDERS.put("fastPath", "library, fast path");
        CONTENDERS.put("rlimit", "library, rlimit(NOFILE)");
        CONTENDERS.put("umask", "library, umask(027)");
        CONTENDERS.put("ffmFloor", "FFM posix_spawn+waitpid floor");
        CONTENDERS.put("processBuilder", "ProcessBuilder");
        CONTENDERS.put("processBuilderDiscard", "ProcessBuilder, DISCARD");
        CONTENDERS.put("ztExec", "zt-exec");
        CONTENDERS.put("commonsExec", "commons-exec");
        CONTENDERS.put("nuProcess", "NuProcess");
    }

    private static final Map<String, String> C_KEYS = Map.of(
            "TrueBenchmark", "true", "EchoBenchmark", "echo", "CatBenchmark", "cat");

    private Chart() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: Chart results.json chart.png [true=us echo=us cat=us]");
            System.exit(2);
        }
        Map<String, Double> cLoop = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            cLoop.put(kv[0], Double.parseDouble(kv[1]));
        }
        List<Row> rows = read(Path.of(args[0]));
        Map<String, List<Row>> byWork = new LinkedHashMap<>();
        for (String work : WORKS.keySet()) {
            List<Row> list = new ArrayList<>();
            String cKey = C_KEYS.get(work);
            if (cKey != null && cLoop.containsKey(cKey)) {
                list.add(new Row(work, "C loop (posix_spawn + waitpid)", cLoop.get(cKey), Double.NaN, 0));
            }
            for (String contender : CONTENDERS.values()) {
                rows.stream().filter(r -> r.work.equals(work) && r.contender.equals(contender)).forEach(list::add);
            }
            if (list.size() > (cKey != null && cLoop.containsKey(cKey) ? 1 : 0)) {
                byWork.put(work, list);
            }
        }
        System.out.print(table(byWork));
        draw(byWork, Path.of(args[1]));
    }

    @SuppressWarnings("unchecked")
    static List<Row> read(Path file) throws IOException {
        List<Row> rows = new ArrayList<>();
        String text;
        if (file.toString().endsWith(".gz")) {
            try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(file))) {
                text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        } else {
            text = Files.readString(file);
        }
        for (Object o : (List<Object>) Json.parse(text)) {
            Map<String, Object> result = (Map<String, Object>) o;
            String name = (String) result.get("benchmark");
            String[] parts = name.split("\\.");
            String work = parts[parts.length - 2];
            String method = parts[parts.length - 1];
            Map<String, Object> params = (Map<String, Object>) result.get("params");
            if (params != null && params.get("backend") != null) {
                method = method + "/" + params.get("backend");
            }
            Map<String, Object> metric = (Map<String, Object>) result.get("primaryMetric");
            Map<String, Object> percentiles = (Map<String, Object>) metric.get("scorePercentiles");
            double median = ((Number) percentiles.get("50.0")).doubleValue();
            double mean = ((Number) metric.get("score")).doubleValue();
            if (!"us/op".equals(metric.get("scoreUnit"))) {
                throw new IllegalArgumentException(name + ": unit " + metric.get("scoreUnit") + ", expected us/op");
            }
            long samples = 0;
            for (Object fork : (List<Object>) metric.get("rawDataHistogram")) {
                for (Object iteration : (List<Object>) fork) {
                    for (Object bin : (List<Object>) iteration) {
                        samples += ((Number) ((List<Object>) bin).get(1)).longValue();
                    }
                }
            }
            rows.add(new Row(work, CONTENDERS.getOrDefault(method, method), median, mean, samples));
        }
        return rows;
    }

    static String table(Map<String, List<Row>> byWork) {
        DecimalFormat us = new DecimalFormat("#,##0");
        StringBuilder sb = new StringBuilder();
        sb.append("| work | contender | median µs | mean µs | samples | × C loop | × ProcessBuilder |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|\n");
        byWork.forEach((work, list) -> {
            double c = list.stream().filter(r -> r.contender.startsWith("C loop")).mapToDouble(Row::median)
                    .findFirst().orElse(Double.NaN);
            double pb = list.stream().filter(r -> r.contender.equals("ProcessBuilder")).mapToDouble(Row::median)
                    .findFirst().orElse(Double.NaN);
            double fast = list.stream().filter(r -> r.contender.equals("library, fast path")).mapToDouble(Row::median)
                    .findFirst().orElse(Double.NaN);
            for (Row r : list) {
                sb.append("| ").append(WORKS.get(work)).append(" | ").append(r.contender)
                        .append(" | ").append(us.format(r.median))
                        .append(" | ").append(Double.isNaN(r.mean) ? "—" : us.format(r.mean))
                        .append(" | ").append(r.samples == 0 ? "—" : us.format(r.samples))
                        .append(" | ").append(ratio(r.median, Double.isNaN(c) ? Double.NaN : c))
                        .append(" | ").append(Double.isNaN(fast) ? ratio(r.median, pb) : ratio(r.median, fast) + " fast path")
                        .append(" |\n");
            }
        });
        return sb.toString();
    }

    private static String ratio(double value, double reference) {
        return Double.isNaN(reference) ? "—" : String.format(Locale.ROOT, "%.2f×", value / reference);
    }

    static void draw(Map<String, List<Row>> byWork, Path png) throws IOException {
        int width = 1100;
        List<JFreeChart> charts = new ArrayList<>();
        List<Integer> heights = new ArrayList<>();
        for (Map.Entry<String, List<Row>> e : byWork.entrySet()) {
            charts.add(panel(WORKS.get(e.getKey()), e.getValue()));
            heights.add(90 + 30 * e.getValue().size());
        }
        int height = heights.stream().mapToInt(Integer::intValue).sum();
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int y = 0;
        for (int i = 0; i < charts.size(); i++) {
            charts.get(i).draw(g, new Rectangle2D.Double(0, y, width, heights.get(i)));
            y += heights.get(i);
        }
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    private static JFreeChart panel(String title, List<Row> rows) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double min = Double.MAX_VALUE;
        double max = 0;
        for (Row r : rows) {
            data.addValue(r.median, "median", r.contender);
            min = Math.min(min, r.median);
            max = Math.max(max, r.median);
        }
        LogarithmicAxis axis = new LogarithmicAxis("median µs per call (log scale)");
        axis.setStrictValuesFlag(false);
        axis.setRange(min / 2, max * 3);
        axis.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        CategoryAxis categories = new CategoryAxis();
        categories.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        categories.setMaximumCategoryLabelWidthRatio(0.4f);
        BarRenderer renderer = new BarRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                String contender = (String) data.getColumnKey(column);
                if (contender.startsWith("library")) {
                    return new Color(0x2e7d32);
                }
                if (contender.startsWith("C loop") || contender.startsWith("FFM")) {
                    return new Color(0x757575);
                }
                return new Color(0x1565c0);
            }
        };
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setBase(min / 2);
        renderer.setMaximumBarWidth(0.7);
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2} µs", new DecimalFormat("#,##0")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        CategoryPlot plot = new CategoryPlot(data, categories, axis, renderer);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setRangeAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlineStroke(new BasicStroke(0.5f));
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }
}
