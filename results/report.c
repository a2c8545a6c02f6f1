/*
 * report.c — the HTML report of one run and the Jepsen-style history export
 * of a journal (report_junit lives in results/junit.c).
 *
 * report_html() writes one self-contained page: inline CSS and SVG, no
 * script, nothing fetched. Its charts share one time axis (seconds since the
 * run started): per-second ok / failed / unknown transactions, latency
 * p50 / p95 / p99 on a log scale, and the node states as one lane per node;
 * every fault step is drawn on each chart as a shaded band (its window as
 * defined in rundata.h), labelled with its step on the throughput chart.
 * Elements carry classes for tests and styling: rect.fault-band (data-seq),
 * circle.point.ok|failed|unknown|p50|p95|p99, rect.state-seg, rect.unavail,
 * table#anomalies-table; a failover manager's events are marks on the node
 * lanes (path.mgr-event, data-kind) and rows of table#manager-table, with
 * the failover times. Text from the database is HTML-escaped.
 *
 * report_history() turns a client journal into an EDN history, one map per
 * line: an :invoke at the transaction's start and its completion (:ok,
 * :fail, or :info for an unknown outcome) at its end, ordered by time.
 * The journal has no client thread ids, so processes are assigned as
 * Jepsen does: each process runs one operation at a time, and a process
 * whose operation ended :info is retired and never reused.
 */
#include "html.h"
#include "journal.h"
#include "report.h"
#include "rundata.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- HTML helpers ---------------------------------------------------------- */

void html_esc(struct strbuf *sb, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		switch (*s) {
		case '<': sb_puts(sb, "&lt;"); break;
		case '>': sb_puts(sb, "&gt;"); break;
		case '&': sb_puts(sb, "&amp;"); break;
		case '"': sb_puts(sb, "&quot;"); break;
		case '\'': sb_puts(sb, "&#39;"); break;
		default: sb_add(sb, s, 1);
		}
	}
}

static void esc_or(struct strbuf *sb, const char *s, const char *dflt)
{
	html_esc(sb, s && *s ? s : dflt);
}

static void num_or_dash(struct strbuf *sb, double v, const char *fmt_unit)
{
	if (isnan(v))
		sb_puts(sb, "–");
	else if (isinf(v))
		sb_puts(sb, "never");
	else
		sb_printf(sb, fmt_unit, v);
}

/* A class-safe token from a free-form word ("Donor/Desynced" -> "donor-desynced"). */
void html_token(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		char ch = *s;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			ch = '-';
		sb_add(sb, &ch, 1);
	}
}

const char html_css[] =
	"body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
	"margin:24px;color:#1d2329;background:#fff}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:16px 0 6px;border-bottom:1px solid #d8dde3;padding-bottom:4px}"
	".meta{color:#4a5560;margin:2px 0}.meta b{color:#1d2329;font-weight:600}"
	".verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-size:15px;vertical-align:middle;margin-left:8px}"
	".verdict-pass{background:#2a9d4b}.verdict-fail{background:#c62828}.verdict-broken,.verdict-aborted,.verdict-running{background:#6c757d}"
	".verdict-skip{background:#8a8f94}"
	".reason{margin:6px 0;color:#8a1c1c}details.reason summary{cursor:pointer}"
	".figures{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}"
	".figure{border:1px solid #d8dde3;border-radius:6px;padding:6px 12px;min-width:120px}"
	".figure .v{font-size:16px;font-weight:600}.figure .k{color:#5b6670;font-size:12px}"
	"table{border-collapse:collapse;margin:6px 0;font-size:13px}"
	"th,td{border:1px solid #d8dde3;padding:3px 8px;text-align:left;vertical-align:top}"
	"th{background:#f1f4f7}td.num{text-align:right;font-variant-numeric:tabular-nums}"
	"tr.unmet td{background:#fdecea}tr.fault td:first-child{border-left:4px solid #e07a1f}"
	"svg.chart{display:block;margin:4px 0 14px;background:#fff}"
	"svg text{font:12px system-ui,'DejaVu Sans',sans-serif;fill:#1d2329}"
	"svg .axis line,svg .axis path{stroke:#4a5560;stroke-width:1}"
	"svg .grid line{stroke:#e6e9ed;stroke-width:1}"
	"svg .title{font-size:14px;font-weight:600}"
	"svg .tick text{fill:#4a5560;font-size:11px}"
	"svg .fault-band,svg .legend-band{fill:#f4a261;fill-opacity:.22;stroke:#e07a1f;stroke-opacity:.7;stroke-width:1}"
	"svg .fault-label{font-size:11px;fill:#8a4b0f}svg .fault-tick{stroke:#e07a1f;stroke-width:1}"
	"svg .unavail{fill:#c62828;fill-opacity:.55}"
	"svg .series{fill:none;stroke-width:1.5}"
	"svg .series.ok{stroke:#2a9d4b}svg .series.failed{stroke:#d62728}svg .series.unknown{stroke:#ff9f1c}"
	"svg .series.p50{stroke:#3b7dd8}svg .series.p95{stroke:#8e44ad}svg .series.p99{stroke:#c0392b}"
	"svg .point.ok{fill:#2a9d4b}svg .point.failed{fill:#d62728}svg .point.unknown{fill:#ff9f1c}"
	"svg .point.p50{fill:#3b7dd8}svg .point.p95{fill:#8e44ad}svg .point.p99{fill:#c0392b}"
	"svg .swatch.ok{fill:#2a9d4b}svg .swatch.failed{fill:#d62728}svg .swatch.unknown{fill:#ff9f1c}"
	"svg .swatch.p50{fill:#3b7dd8}svg .swatch.p95{fill:#8e44ad}svg .swatch.p99{fill:#c0392b}svg .swatch.unavail{fill:#c62828;fill-opacity:.55}"
	"svg .legend rect{stroke:none}"
	"svg .state-seg{stroke:#fff;stroke-width:1;fill-opacity:.85}"
	"svg .state-label{font-size:11px;fill:#10161c}"
	".note{color:#5b6670;font-style:italic}"
	"svg .mgr-event{stroke:#10161c;stroke-width:.8;fill:#fff}svg .mgr-event.promote{fill:#2a9d4b}"
	"svg .mgr-event.demote,svg .mgr-event.stop{fill:#9aa5b1}svg .mgr-event.failed,svg .mgr-event.lost{fill:#ff9f1c}"
	"svg .mgr-event.fence{fill:#d62728}svg .mgr-event.start{fill:#3b7dd8}"
	"code{font-size:12px}";

/* State colours: the wsrep states and the replication roles. */
static const char *state_colour(const char *state)
{
	static const struct {
		const char *state, *colour;
	} map[] = {
		{ "synced", "#7cc68d" },  { "primary", "#7cc68d" },      { "replica", "#8fc1e3" },
		{ "donor", "#f2d16b" },   { "donor/desynced", "#f2d16b" }, { "desynced", "#f2d16b" },
		{ "joining", "#a9c8f0" }, { "joined", "#a9c8f0" },        { "joiner", "#a9c8f0" },
		{ "non-primary", "#c9a0dc" }, { "down", "#e57373" },      { "stopped", "#e57373" },
		{ "killed", "#e57373" },  { "unreachable", "#bdbdbd" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (state && !strcasecmp(state, map[i].state))
			return map[i].colour;
	return "#d0d4d9";
}

/* Chart geometry: one x scale for every chart. */
struct xscale {
	double t0, t1;  /* the visible span, Unix seconds */
	double origin;  /* labels are seconds since this (the run's start) */
	double left, width;
};

static double xpos(const struct xscale *x, double t)
{
	double span = x->t1 - x->t0;
	double px = x->left + (span > 0 ? (t - x->t0) / span * x->width : 0);

	/* things before the view (cluster set-up) start at its left edge */
	return px < x->left ? x->left : px > x->left + x->width ? x->left + x->width : px;
}

/* A run with a mass loss can have 10^5 anomalies: the page lists the first. */
#define MAX_ANOMALY_ROWS 2000

#define CHART_W 1280
#define MARGIN_L 70
#define MARGIN_R 150
#define PLOT_W (CHART_W - MARGIN_L - MARGIN_R)

static double nice_step(double span, int max_ticks)
{
	static const double steps[] = { 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200 };
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		if (span / steps[i] <= max_ticks)
			return steps[i];
	return ceil(span / max_ticks / 3600) * 3600;
}

static double nice_max(double v)
{
	double mag, f;

	if (v <= 0)
		return 1;
	mag = pow(10, floor(log10(v)));
	f = v / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* Time axis with grid lines through a plot of height h starting at y top. */
static void time_axis(struct strbuf *sb, const struct xscale *x, double top, double h, bool label)
{
	double step = nice_step(x->t1 - x->t0, 14);
	double first = ceil((x->t0 - x->origin) / step - 1e-9) * step; /* first tick, since origin */

	sb_puts(sb, "<g class=\"grid\">");
	for (double s = first; x->origin + s <= x->t1 + 1e-9; s += step)
		sb_printf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", xpos(x, x->origin + s),
			  top, xpos(x, x->origin + s), top + h);
	sb_puts(sb, "</g><g class=\"axis x\">");
	sb_printf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x->left, top + h,
		  x->left + x->width, top + h);
	for (double s = first; x->origin + s <= x->t1 + 1e-9; s += step) {
		double px = xpos(x, x->origin + s);
		sb_printf(sb, "<g class=\"tick\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0fs</text></g>",
			  px, top + h, px, top + h + 4, px, top + h + 16, s);
	}
	if (label)
		sb_printf(sb, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">seconds since the run started%s</text>",
			  x->left + x->width / 2, top + h + 32,
			  x->t0 > x->origin + 0.5 ? " (cluster set-up before the first step not shown)" : "");
	sb_puts(sb, "</g>");
}

/* The fault bands of one chart; labelled ones get their step above the plot. */
static void fault_bands(struct strbuf *sb, const struct run_stats *st, const struct xscale *x, double top,
			double h, bool labels)
{
	sb_puts(sb, "<g class=\"fault-bands\">");
	for (size_t f = 0; f < st->n_faults; f++) {
		const struct fault_window *w = &st->faults[f];
		double x0 = xpos(x, w->start), x1 = xpos(x, w->end);
		if (x1 - x0 < 2)
			x1 = x0 + 2;
		sb_printf(sb, "<rect class=\"fault-band\" data-seq=\"%d\" data-action=\"", w->step->seq);
		html_esc(sb, w->step->action);
		sb_printf(sb, "\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>step %d: ", x0, top,
			  x1 - x0, h, w->step->seq);
		html_esc(sb, w->step->action);
		sb_puts(sb, " node ");
		esc_or(sb, w->step->node, "all");
		sb_printf(sb, ", +%.1fs to +%.1fs", w->start - x->origin, w->end - x->origin);
		if (w->step->detail) {
			sb_puts(sb, " — ");
			html_esc(sb, w->step->detail);
		}
		sb_puts(sb, "</title></rect>");
		if (labels) {
			/* three rows of labels above the plot so neighbours do not collide */
			double ly = top - 8 - (double)(f % 3) * 14;
			bool right = x0 > x->left + x->width - 140;
			sb_printf(sb, "<line class=\"fault-tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
				  x0, ly + 3, x0, top);
			sb_printf(sb, "<text class=\"fault-label\" data-seq=\"%d\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%d ",
				  w->step->seq, right ? x0 - 3 : x0 + 3, ly, right ? "end" : "start", w->step->seq);
			html_esc(sb, w->step->action);
			if (w->step->node) {
				sb_puts(sb, " n");
				html_esc(sb, w->step->node);
			}
			sb_puts(sb, "</text>");
		}
	}
	sb_puts(sb, "</g>");
}

static void legend(struct strbuf *sb, double x, double y, const char *const *names, const char *const *classes,
		   size_t n, bool fault)
{
	sb_puts(sb, "<g class=\"legend\">");
	for (size_t i = 0; i < n; i++) {
		sb_printf(sb, "<rect class=\"swatch %s\" x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"4\"/>", classes[i],
			  x, y + (double)i * 18 - 6);
		sb_printf(sb, "<text x=\"%.1f\" y=\"%.1f\">%s</text>", x + 20, y + (double)i * 18, names[i]);
	}
	if (fault) {
		sb_printf(sb, "<rect class=\"legend-band\" x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"12\"/>",
			  x, y + (double)n * 18 - 10);
		sb_printf(sb, "<text x=\"%.1f\" y=\"%.1f\">fault</text>", x + 20, y + (double)n * 18);
		sb_printf(sb, "<rect class=\"swatch unavail\" x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"5\"/>", x,
			  y + (double)(n + 1) * 18 - 7);
		sb_printf(sb, "<text x=\"%.1f\" y=\"%.1f\">ok = 0</text>", x + 20, y + (double)(n + 1) * 18);
	}
	sb_puts(sb, "</g>");
}

static void rate_chart(struct strbuf *sb, const struct run_data *rd, const struct run_stats *st,
		       const struct xscale *x)
{
	static const char *const names[] = { "ok", "failed", "unknown" };
	const double top = 62, h = 210, height = top + h + 44;
	double ymax = 1, ystep;
	int nticks;

	for (size_t i = 0; i < rd->n_seconds; i++) {
		const struct second_row *w = &rd->seconds[i];
		double m = (double)(w->ok > w->failed ? (w->ok > w->unknown ? w->ok : w->unknown)
						      : (w->failed > w->unknown ? w->failed : w->unknown));
		if (m > ymax)
			ymax = m;
	}
	/* ticks every 1, 2 or 5 × 10^k, at most 6 of them, the top one above the data */
	ystep = nice_max(ymax / 6.0);
	if (ystep < 1)
		ystep = 1;
	nticks = (int)ceil(ymax * 1.02 / ystep);
	if (nticks < 1)
		nticks = 1;
	ymax = ystep * nticks;
	sb_printf(sb, "<svg id=\"rate-chart\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\""
		      " height=\"%.0f\" viewBox=\"0 0 %d %.0f\" role=\"img\" aria-label=\"transactions per second\">",
		  CHART_W, height, CHART_W, height);
	sb_printf(sb, "<text class=\"title\" x=\"%d\" y=\"16\">Transactions per second</text>", MARGIN_L);
	/* y grid and axis */
	sb_puts(sb, "<g class=\"grid\">");
	for (int k = 0; k <= nticks; k++) {
		double y = top + h - h * k / nticks;
		sb_printf(sb, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", MARGIN_L, y, MARGIN_L + PLOT_W, y);
	}
	sb_puts(sb, "</g>");
	fault_bands(sb, st, x, top, h, true);
	time_axis(sb, x, top, h, true);
	sb_printf(sb, "<g class=\"axis y\"><line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", MARGIN_L, top,
		  MARGIN_L, top + h);
	for (int k = 0; k <= nticks; k++) {
		double y = top + h - h * k / nticks;
		sb_printf(sb, "<g class=\"tick\"><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text></g>",
			  MARGIN_L - 6, y + 4, ystep * k);
	}
	sb_printf(sb, "<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">txn / s</text></g>",
		  top + h / 2);
	/* ok = 0 windows, a strip under the plot */
	sb_puts(sb, "<g class=\"unavail-windows\">");
	for (size_t i = 0; i < st->n_unavail; i++) {
		double x0 = xpos(x, (double)st->unavail[i].start);
		double x1 = xpos(x, (double)(st->unavail[i].start + st->unavail[i].seconds));
		sb_printf(sb, "<rect class=\"unavail\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"5\">"
			      "<title>no ok transaction for %lld s from +%.0fs</title></rect>",
			  x0, top + h - 5, x1 - x0, (long long)st->unavail[i].seconds,
			  (double)st->unavail[i].start - x->origin);
	}
	sb_puts(sb, "</g>");
	/* the series: a line and a point per second, at the middle of the second */
	for (int s = 0; s < 3; s++) {
		sb_printf(sb, "<polyline class=\"series %s\" points=\"", names[s]);
		for (size_t i = 0; i < rd->n_seconds; i++) {
			const struct second_row *w = &rd->seconds[i];
			int64_t v = s == 0 ? w->ok : s == 1 ? w->failed : w->unknown;
			sb_printf(sb, "%.1f,%.1f ", xpos(x, (double)w->t + 0.5), top + h - h * (double)v / ymax);
		}
		sb_puts(sb, "\"/>");
	}
	for (int s = 0; s < 3; s++) {
		sb_printf(sb, "<g class=\"points %s\">", names[s]);
		for (size_t i = 0; i < rd->n_seconds; i++) {
			const struct second_row *w = &rd->seconds[i];
			int64_t v = s == 0 ? w->ok : s == 1 ? w->failed : w->unknown;
			sb_printf(sb, "<circle class=\"point %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%s\"><title>+%.0fs %s %lld</title></circle>",
				  names[s], xpos(x, (double)w->t + 0.5), top + h - h * (double)v / ymax,
				  s == 0 ? "2.2" : "1.8", (double)w->t - x->origin, names[s], (long long)v);
		}
		sb_puts(sb, "</g>");
	}
	legend(sb, MARGIN_L + PLOT_W + 18, top + 10, names, names, 3, true);
	sb_puts(sb, "</svg>\n");
}

/* The powers of ten the latency axis spans: from below the lowest to above
 * the highest latency of a second with ok transactions (1 ms .. 10 ms when
 * there is none). */
static void latency_decades(const struct run_data *rd, double *dlo, double *dhi)
{
	double lo = 1e9, hi = 0;

	for (size_t i = 0; i < rd->n_seconds; i++) {
		const struct second_row *w = &rd->seconds[i];
		double v[3] = { w->p50, w->p95, w->p99 };
		if (w->ok <= 0)
			continue;
		for (int s = 0; s < 3; s++)
			if (!isnan(v[s]) && v[s] > 0) {
				if (v[s] < lo)
					lo = v[s];
				if (v[s] > hi)
					hi = v[s];
			}
	}
	if (hi <= 0) {
		lo = 1;
		hi = 10;
	}
	*dlo = floor(log10(lo < 0.01 ? 0.01 : lo));
	*dhi = ceil(log10(hi));
	if (*dhi <= *dlo)
		*dhi = *dlo + 1;
}

static void latency_chart(struct strbuf *sb, const struct run_data *rd, const struct run_stats *st,
			  const struct xscale *x)
{
	static const char *const names[] = { "p50", "p95", "p99" };
	const double top = 30, h = 170, height = top + h + 30;
	double dlo, dhi;

	latency_decades(rd, &dlo, &dhi);
#define LY(v) (top + h - h * (log10((v) < 0.01 ? 0.01 : (v)) - dlo) / (dhi - dlo))
	sb_printf(sb, "<svg id=\"latency-chart\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\""
		      " height=\"%.0f\" viewBox=\"0 0 %d %.0f\" role=\"img\" aria-label=\"latency\">",
		  CHART_W, height, CHART_W, height);
	sb_printf(sb, "<text class=\"title\" x=\"%d\" y=\"16\">Latency of ok transactions (log scale)</text>", MARGIN_L);
	sb_puts(sb, "<g class=\"grid\">");
	for (double d = dlo; d <= dhi + 1e-9; d++)
		sb_printf(sb, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", MARGIN_L, LY(pow(10, d)),
			  MARGIN_L + PLOT_W, LY(pow(10, d)));
	sb_puts(sb, "</g>");
	fault_bands(sb, st, x, top, h, false);
	time_axis(sb, x, top, h, false);
	sb_printf(sb, "<g class=\"axis y\"><line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", MARGIN_L, top,
		  MARGIN_L, top + h);
	for (double d = dlo; d <= dhi + 1e-9; d++) {
		double v = pow(10, d);
		sb_printf(sb, "<g class=\"tick\"><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", MARGIN_L - 6, LY(v) + 4);
		if (v >= 1000)
			sb_printf(sb, "%.0fs", v / 1000);
		else
			sb_printf(sb, "%gms", v);
		sb_puts(sb, "</text></g>");
	}
	sb_printf(sb, "<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">latency</text></g>",
		  top + h / 2);
	/* one path per series, broken where a second has no latency (ok = 0) */
	for (int s = 0; s < 3; s++) {
		bool pen = false;
		int64_t prev_t = INT64_MIN;
		sb_printf(sb, "<path class=\"series %s\" d=\"", names[s]);
		for (size_t i = 0; i < rd->n_seconds; i++) {
			const struct second_row *w = &rd->seconds[i];
			double v = s == 0 ? w->p50 : s == 1 ? w->p95 : w->p99;
			if (w->ok <= 0 || isnan(v)) {
				pen = false;
				continue;
			}
			sb_printf(sb, "%s%.1f,%.1f ", pen && w->t == prev_t + 1 ? "L" : "M",
				  xpos(x, (double)w->t + 0.5), LY(v));
			pen = true;
			prev_t = w->t;
		}
		sb_puts(sb, "\"/>");
	}
	for (int s = 0; s < 3; s++) {
		sb_printf(sb, "<g class=\"points %s\">", names[s]);
		for (size_t i = 0; i < rd->n_seconds; i++) {
			const struct second_row *w = &rd->seconds[i];
			double v = s == 0 ? w->p50 : s == 1 ? w->p95 : w->p99;
			if (w->ok <= 0 || isnan(v))
				continue;
			sb_printf(sb, "<circle class=\"point %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"1.8\"><title>+%.0fs %s %.2f ms</title></circle>",
				  names[s], xpos(x, (double)w->t + 0.5), LY(v), (double)w->t - x->origin, names[s], v);
		}
		sb_puts(sb, "</g>");
	}
#undef LY
	legend(sb, MARGIN_L + PLOT_W + 18, top + 14, names, names, 3, false);
	sb_puts(sb, "</svg>\n");
}

static void node_chart(struct strbuf *sb, const struct run_data *rd, const struct run_stats *st,
		       const struct xscale *x)
{
	int max_node = rd->run.nodes;
	const double top = 30, lane = 24;
	double h, height;

	for (size_t i = 0; i < rd->n_states; i++)
		if (rd->states[i].node > max_node)
			max_node = rd->states[i].node;
	if (max_node < 1)
		max_node = 1;
	h = lane * max_node;
	height = top + h + 44;
	sb_printf(sb, "<svg id=\"node-chart\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\""
		      " height=\"%.0f\" viewBox=\"0 0 %d %.0f\" role=\"img\" aria-label=\"node states\">",
		  CHART_W, height, CHART_W, height);
	sb_printf(sb, "<text class=\"title\" x=\"%d\" y=\"16\">Node states</text>", MARGIN_L);
	fault_bands(sb, st, x, top, h, false); /* under the lanes: the states stay readable */
	for (int n = 1; n <= max_node; n++) {
		double y = top + lane * (n - 1);
		sb_printf(sb, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">node %d</text>", MARGIN_L - 6,
			  y + lane / 2 + 4, n);
		const char *prev = NULL;
		for (size_t i = 0; i < rd->n_states; i++) {
			const struct state_row *s = &rd->states[i];
			double t_next = st->t_end, x0, x1;
			if (s->node != n)
				continue;
			/* one segment per state change: the runner records every node
			 * after each step, mostly unchanged */
			if (prev && !strcmp(prev, s->state))
				continue;
			prev = s->state;
			for (size_t j = i + 1; j < rd->n_states; j++)
				if (rd->states[j].node == n && strcmp(rd->states[j].state, s->state)) {
					t_next = rd->states[j].t;
					break;
				}
			x0 = xpos(x, s->t);
			x1 = xpos(x, t_next);
			if (x1 - x0 < 1)
				x1 = x0 + 1;
			sb_puts(sb, "<rect class=\"state-seg state-");
			html_token(sb, s->state);
			sb_printf(sb, "\" data-node=\"%d\" data-state=\"", n);
			html_esc(sb, s->state);
			sb_printf(sb, "\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>node %d ",
				  x0, y + 2, x1 - x0, lane - 4, state_colour(s->state), n);
			html_esc(sb, s->state);
			sb_printf(sb, " from +%.1fs", s->t - x->origin);
			if (s->detail) {
				sb_puts(sb, " — ");
				html_esc(sb, s->detail);
			}
			sb_puts(sb, "</title></rect>");
			if (x1 - x0 > 7.0 * (double)strlen(s->state) + 6) {
				sb_printf(sb, "<text class=\"state-label\" x=\"%.1f\" y=\"%.1f\">", x0 + 4, y + lane / 2 + 4);
				html_esc(sb, s->state);
				sb_puts(sb, "</text>");
			}
		}
	}
	/* The failover manager's acts: a mark at the top of the node's lane. */
	for (size_t i = 0; i < rd->n_manager; i++) {
		const struct manager_row *m = &rd->manager[i];
		if (!strcmp(m->kind, "failover") || m->node < 1 || m->node > max_node)
			continue;
		double mx = xpos(x, m->t), my = top + lane * (m->node - 1) + 1;
		sb_puts(sb, "<path class=\"mgr-event ");
		html_token(sb, m->kind);
		sb_printf(sb, "\" data-kind=\"");
		html_esc(sb, m->kind);
		sb_printf(sb, "\" data-node=\"%d\" d=\"M%.1f %.1f l4 -7 h-8 z\"><title>+%.1fs node %d: ", m->node, mx, my + 7,
			  m->t - x->origin, m->node);
		html_esc(sb, m->kind);
		sb_puts(sb, " ");
		esc_or(sb, m->result, "");
		sb_puts(sb, "</title></path>");
	}
	time_axis(sb, x, top, h, false);
	if (!rd->n_states)
		sb_printf(sb, "<text class=\"note\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no node states were recorded</text>",
			  x->left + x->width / 2, top + h / 2 + 4);
	sb_puts(sb, "</svg>\n");
}

static void figure(struct strbuf *sb, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void figure(struct strbuf *sb, const char *key, const char *fmt, ...)
{
	va_list ap;

	sb_puts(sb, "<div class=\"figure\"><div class=\"v\">");
	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
	sb_printf(sb, "</div><div class=\"k\">%s</div></div>", key);
}

/* The view: from the first scenario step or workload second (cluster set-up
 * before them is long and says nothing) to the end of the run. */
static void html_view(const struct run_data *rd, const struct run_stats *st, struct xscale *x)
{
	x->origin = st->t_begin;
	x->t0 = st->t_end;
	for (size_t i = 0; i < rd->n_steps; i++)
		if (rd->steps[i].seq > 0 && rd->steps[i].started_at < x->t0)
			x->t0 = rd->steps[i].started_at;
	if (rd->n_seconds && (double)rd->seconds[0].t < x->t0)
		x->t0 = (double)rd->seconds[0].t;
	x->t0 = x->t0 - 2 > st->t_begin ? x->t0 - 2 : st->t_begin;
	x->t1 = st->t_end > x->t0 ? st->t_end : x->t0 + 1;
	x->left = MARGIN_L;
	x->width = PLOT_W;
}

/* From the doctype to the opening <body>, which carries the counts tests read. */
static void html_head(struct strbuf *sb, const struct run_data *rd, const struct run_stats *st)
{
	const struct run_row *r = &rd->run;

	sb_puts(sb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width\">"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
		    "<title>");
	sb_printf(sb, "lab run %lld: ", (long long)r->id);
	html_esc(sb, r->scenario);
	sb_puts(sb, " — ");
	html_esc(sb, r->verdict);
	sb_printf(sb, "</title><style>%s</style></head>\n<body data-run=\"%lld\" data-faults=\"%zu\" data-seconds=\"%zu\">\n",
		  html_css, (long long)r->id, st->n_faults, rd->n_seconds);
}

/* The run's reason: long ones (several checkers' summaries) fold away, no
 * script needed. */
static void html_reason(struct strbuf *sb, const char *reason)
{
	if (reason && strlen(reason) > 240) {
		sb_puts(sb, "<details class=\"reason\"><summary>");
		{
			char *head = xasprintf("%.200s", reason);
			html_esc(sb, head);
			free(head);
		}
		sb_puts(sb, "…</summary>");
		html_esc(sb, reason);
		sb_puts(sb, "</details>\n");
	} else if (reason && *reason) {
		sb_puts(sb, "<p class=\"reason\">");
		html_esc(sb, reason);
		sb_puts(sb, "</p>\n");
	}
}

/* Scenario, verdict, when, where, what software, why. */
static void html_header(struct strbuf *sb, const struct run_row *r)
{
	char t1[32], t2[32];

	format_utc(r->started_at, t1, sizeof(t1));
	if (isnan(r->ended_at))
		lab_strlcpy(t2, "-", sizeof(t2));
	else
		format_utc(r->ended_at, t2, sizeof(t2));
	sb_puts(sb, "<header><h1 id=\"scenario\">");
	html_esc(sb, r->scenario);
	sb_puts(sb, "<span id=\"verdict\" class=\"verdict verdict-");
	html_token(sb, r->verdict);
	sb_puts(sb, "\">");
	html_esc(sb, r->verdict);
	sb_printf(sb, "</span></h1>\n<p class=\"meta\">run <b>%lld</b> · %s → %s", (long long)r->id, t1, t2);
	if (!isnan(r->ended_at))
		sb_printf(sb, " (%.1f s)", r->ended_at - r->started_at);
	sb_puts(sb, " · <b>");
	esc_or(sb, r->backend, "-");
	sb_puts(sb, "/");
	esc_or(sb, r->flavor, "-");
	sb_printf(sb, "</b>, %d nodes · seed %lld</p>\n<p class=\"meta\">server <b>", r->nodes, (long long)r->seed);
	esc_or(sb, r->server_version, "-");
	sb_puts(sb, "</b> · galera <b>");
	esc_or(sb, r->galera_version, "-");
	sb_puts(sb, "</b> · cache mode <b>");
	esc_or(sb, r->cache_mode, "-");
	sb_puts(sb, "</b> · scenario <code>");
	esc_or(sb, r->scenario_file, "-");
	sb_puts(sb, "</code> <code>");
	esc_or(sb, r->scenario_hash, "");
	sb_puts(sb, "</code></p>\n");
	if (r->mysqld_options && *r->mysqld_options) {
		sb_puts(sb, "<p class=\"meta\">mysqld: <code>");
		html_esc(sb, r->mysqld_options);
		sb_puts(sb, "</code></p>\n");
	}
	if (r->label && *r->label) {
		sb_puts(sb, "<p class=\"meta\">plan axes: <b id=\"plan-axes\">");
		html_esc(sb, r->label);
		sb_puts(sb, "</b></p>\n");
	}
	if (r->tags && *r->tags) {
		sb_puts(sb, "<p class=\"meta\">tags: ");
		html_esc(sb, r->tags);
		sb_puts(sb, "</p>\n");
	}
	html_reason(sb, r->reason);
	sb_puts(sb, "</header>\n");
}

static void html_timeline(struct strbuf *sb, const struct run_data *rd, const struct run_stats *st,
			  const struct xscale *x)
{
	sb_puts(sb, "<section id=\"timeline\"><h2>Timeline</h2>\n");
	if (!rd->n_seconds)
		sb_puts(sb, "<p class=\"note\">no per-second workload figures were recorded for this run</p>\n");
	rate_chart(sb, rd, st, x);
	latency_chart(sb, rd, st, x);
	node_chart(sb, rd, st, x);
	sb_puts(sb, "</section>\n");
}

static void html_figures(struct strbuf *sb, const struct run_data *rd, const struct run_stats *st)
{
	sb_puts(sb, "<section id=\"figures\" class=\"figures\">");
	figure(sb, "ok transactions", "%lld", (long long)st->total_ok);
	figure(sb, "failed", "%lld", (long long)st->total_failed);
	figure(sb, "unknown outcome", "%lld", (long long)st->total_unknown);
	figure(sb, "anomalies", "%zu", rd->n_anomalies);
	figure(sb, "lost / phantom", "%lld / %lld", (long long)st->lost, (long long)st->phantom);
	figure(sb, "seconds with ok = 0", "%lld", (long long)st->unavail_seconds);
	{
		struct strbuf v = { 0 };
		num_or_dash(&v, st->worst_first_ok, "%.1f s");
		figure(sb, "worst recovery to first ok", "%s", v.buf);
		sb_release(&v);
	}
	for (int p = 0; p < PHASE_ALL; p++) {
		struct strbuf v = { 0 };
		char key[48];
		num_or_dash(&v, st->phase[p].tps, "%.0f");
		sb_puts(&v, " tps, p99 ");
		num_or_dash(&v, st->phase[p].p99, "%.1f ms");
		snprintf(key, sizeof(key), "%s faults", phase_names[p]);
		figure(sb, key, "%s", v.buf);
		sb_release(&v);
	}
	sb_puts(sb, "</section>\n");
}

/* Each fault step's window and how long the cluster took to recover. */
static void html_recoveries(struct strbuf *sb, const struct run_stats *st, const struct xscale *x)
{
	sb_puts(sb, "<table id=\"recovery-table\"><tr><th>fault step</th><th>window</th><th>to first ok</th>"
		    "<th>to Synced</th></tr>\n");
	for (size_t f = 0; f < st->n_faults; f++) {
		const struct recovery *rc = &st->recoveries[f];
		sb_printf(sb, "<tr><td>%d ", rc->fault->step->seq);
		html_esc(sb, rc->fault->step->action);
		sb_puts(sb, " node ");
		esc_or(sb, rc->fault->step->node, "all");
		sb_printf(sb, "</td><td class=\"num\">+%.1fs … +%.1fs</td><td class=\"num\">",
			  rc->fault->start - x->origin, rc->fault->end - x->origin);
		num_or_dash(sb, rc->to_first_ok, "%.1f s");
		sb_puts(sb, "</td><td class=\"num\">");
		num_or_dash(sb, rc->to_synced, "%.1f s");
		sb_puts(sb, "</td></tr>\n");
	}
	sb_puts(sb, "</table>\n");
}

static void html_steps(struct strbuf *sb, const struct run_data *rd, const struct run_stats *st,
		       const struct xscale *x)
{
	sb_printf(sb, "<section id=\"steps\"><h2>Steps (%zu)</h2>\n<table id=\"steps-table\"><tr><th>seq</th><th>action</th>"
		      "<th>node</th><th>at</th><th>took</th><th>outcome</th><th>detail</th></tr>\n", rd->n_steps);
	for (size_t i = 0; i < rd->n_steps; i++) {
		const struct step_row *s = &rd->steps[i];
		sb_printf(sb, "<tr%s><td class=\"num\">%d</td><td>", step_is_fault(s) ? " class=\"fault\"" : "", s->seq);
		html_esc(sb, s->action);
		sb_puts(sb, "</td><td>");
		esc_or(sb, s->node, "");
		sb_printf(sb, "</td><td class=\"num\">+%.1fs</td><td class=\"num\">", s->started_at - x->origin);
		num_or_dash(sb, s->ended_at - s->started_at, "%.1fs");
		sb_puts(sb, "</td><td>");
		html_esc(sb, s->outcome);
		sb_puts(sb, "</td><td>");
		esc_or(sb, s->detail, "");
		sb_puts(sb, "</td></tr>\n");
	}
	sb_puts(sb, "</table>\n");
	if (st->n_faults)
		html_recoveries(sb, st, x);
	sb_puts(sb, "</section>\n");
}

static void html_checks(struct strbuf *sb, const struct run_data *rd)
{
	sb_printf(sb, "<section id=\"checks\"><h2>Checks (%zu)</h2>\n<table id=\"checks-table\"><tr><th>checker</th>"
		      "<th>expected</th><th>actual</th><th>anomalies</th><th>details</th></tr>\n", rd->n_checks);
	for (size_t i = 0; i < rd->n_checks; i++) {
		const struct check_row *c = &rd->checks[i];
		sb_printf(sb, "<tr%s><td>", check_met(c) ? "" : " class=\"unmet\"");
		html_esc(sb, c->checker);
		sb_puts(sb, "</td><td>");
		esc_or(sb, c->expected, "any");
		sb_puts(sb, "</td><td>");
		html_esc(sb, c->actual);
		sb_printf(sb, "</td><td class=\"num\">%lld</td><td>", (long long)c->anomalies);
		esc_or(sb, c->details, "");
		sb_puts(sb, "</td></tr>\n");
	}
	sb_puts(sb, "</table></section>\n");
}

static void html_anomaly_row(struct strbuf *sb, const struct anomaly_row *a)
{
	sb_printf(sb, "<tr class=\"anomaly\" id=\"anomaly-%lld\"><td class=\"num\">%lld</td><td>", (long long)a->id,
		  (long long)a->id);
	html_esc(sb, a->checker);
	sb_puts(sb, "</td><td>");
	html_esc(sb, a->kind);
	sb_puts(sb, "</td><td>");
	esc_or(sb, a->tbl, "");
	sb_puts(sb, "</td><td class=\"num\">");
	if (a->row_id >= 0)
		sb_printf(sb, "%lld", (long long)a->row_id);
	sb_puts(sb, "</td><td class=\"num\">");
	if (a->txn_id >= 0)
		sb_printf(sb, "%lld", (long long)a->txn_id);
	sb_puts(sb, "</td><td>");
	esc_or(sb, a->node, "");
	sb_puts(sb, "</td><td>");
	esc_or(sb, a->detail, "");
	sb_puts(sb, "</td></tr>\n");
}

/* The counts per kind, then the first MAX_ANOMALY_ROWS anomalies. */
static void html_anomalies(struct strbuf *sb, const struct run_data *rd, const struct run_stats *st)
{
	sb_printf(sb, "<section id=\"anomalies\"><h2>Anomalies (%zu)</h2>\n", rd->n_anomalies);
	if (st->n_kinds) {
		sb_puts(sb, "<p class=\"meta\">");
		for (size_t k = 0; k < st->n_kinds; k++) {
			sb_puts(sb, k ? " · " : "");
			html_esc(sb, st->kinds[k].kind);
			sb_printf(sb, " <b>%lld</b>", (long long)st->kinds[k].count);
		}
		sb_puts(sb, "</p>\n");
	}
	sb_puts(sb, "<table id=\"anomalies-table\"><tr><th>id</th><th>checker</th><th>kind</th><th>table</th>"
		    "<th>row</th><th>txn</th><th>node</th><th>detail</th></tr>\n");
	for (size_t i = 0; i < rd->n_anomalies && i < MAX_ANOMALY_ROWS; i++)
		html_anomaly_row(sb, &rd->anomalies[i]);
	sb_puts(sb, "</table>\n");
	if (rd->n_anomalies > MAX_ANOMALY_ROWS)
		sb_printf(sb, "<p class=\"note\">the first %d of %zu anomalies are listed; all are in the results"
			      " database (lab results show %lld)</p>\n", MAX_ANOMALY_ROWS, rd->n_anomalies,
			  (long long)rd->run.id);
	if (!rd->n_anomalies)
		sb_puts(sb, "<p class=\"note\">no anomaly was recorded</p>\n");
	sb_puts(sb, "</section>\n");
}

/* The failover manager's events and the failover times lab measured. */
static void html_manager(struct strbuf *sb, const struct run_data *rd, const struct xscale *x)
{
	if (!rd->n_manager)
		return;
	sb_puts(sb, "<section id=\"manager\"><h2>Failover manager</h2>\n");
	for (size_t i = 0; i < rd->n_manager; i++) {
		const struct manager_row *m = &rd->manager[i];
		if (strcmp(m->kind, "failover"))
			continue;
		sb_puts(sb, "<p class=\"failover\"><b>failover time: ");
		num_or_dash(sb, m->seconds, "%.1f s");
		sb_puts(sb, "</b> — ");
		esc_or(sb, m->detail, "");
		sb_puts(sb, "</p>\n");
	}
	sb_puts(sb, "<table id=\"manager-table\"><tr><th>time</th><th>node</th><th>event</th><th>result</th>"
		    "<th>the manager's words</th></tr>\n");
	for (size_t i = 0; i < rd->n_manager; i++) {
		const struct manager_row *m = &rd->manager[i];
		if (!strcmp(m->kind, "failover"))
			continue;
		sb_printf(sb, "<tr><td class=\"num\">+%.1fs</td><td>%d</td><td>", m->t - x->origin, m->node);
		html_esc(sb, m->kind);
		sb_puts(sb, "</td><td>");
		esc_or(sb, m->result, "");
		sb_puts(sb, "</td><td><code>");
		esc_or(sb, m->detail, "");
		sb_puts(sb, "</code></td></tr>\n");
	}
	sb_puts(sb, "</table></section>\n");
}

static void html_artifacts(struct strbuf *sb, const struct run_data *rd)
{
	if (!rd->n_artifacts)
		return;
	sb_puts(sb, "<section id=\"artifacts\"><h2>Artifacts</h2><table>");
	for (size_t i = 0; i < rd->n_artifacts; i++) {
		sb_puts(sb, "<tr><td>");
		html_esc(sb, rd->artifacts[i].name);
		sb_puts(sb, "</td><td><code>");
		html_esc(sb, rd->artifacts[i].path);
		sb_puts(sb, "</code></td></tr>");
	}
	sb_puts(sb, "</table></section>\n");
}

static void html_footer(struct strbuf *sb)
{
	sb_printf(sb, "<footer class=\"meta\"><p>written by lab %s; fault windows run from a fault step's start to the"
		      " step that undoes it; tps = ok transactions per second; p99 = mean of the per-second p99.</p>"
		      "</footer>\n</body></html>\n", LAB_VERSION);
}

/* The whole page, section after section; returns malloc'd HTML. */
static char *html_page(const struct run_data *rd)
{
	struct strbuf sb = { 0 };
	struct run_stats st;
	struct xscale x;

	run_stats_compute(rd, &st);
	html_view(rd, &st, &x);
	html_head(&sb, rd, &st);
	html_header(&sb, &rd->run);
	html_timeline(&sb, rd, &st, &x);
	html_figures(&sb, rd, &st);
	html_steps(&sb, rd, &st, &x);
	html_checks(&sb, rd);
	html_anomalies(&sb, rd, &st);
	html_manager(&sb, rd, &x);
	html_artifacts(&sb, rd);
	html_footer(&sb);
	run_stats_release(&st);
	return sb_detach(&sb);
}

int report_html(struct resultsdb *db, int64_t run, const char *path)
{
	struct run_data *rd = run_data_load(db, run);
	char *page;
	int rc;

	if (!rd)
		return -1;
	page = html_page(rd);
	rc = write_file_atomic(path, page, strlen(page), 0644);
	free(page);
	run_data_free(rd);
	return rc;
}

/* ---- EDN history ------------------------------------------------------------ */

struct hist_op {
	int64_t txn, start, end;
	enum txn_kind kind;
	enum txn_outcome outcome;
	unsigned err;
	int64_t process;
	char *node, *rows; /* rows: EDN vector text */
};

struct hist_event {
	int64_t time;
	int completion; /* completions sort before invocations at the same time */
	size_t op;
};

static int cmp_start(const void *x, const void *y)
{
	const struct hist_op *const *a = x, *const *b = y;

	if ((*a)->start != (*b)->start)
		return (*a)->start < (*b)->start ? -1 : 1;
	return (*a)->txn < (*b)->txn ? -1 : (*a)->txn > (*b)->txn;
}

static int cmp_event(const void *x, const void *y)
{
	const struct hist_event *a = x, *b = y;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->completion != b->completion)
		return a->completion ? -1 : 1;
	return a->op < b->op ? -1 : a->op > b->op;
}

static void edn_string(struct strbuf *sb, const char *s)
{
	sb_puts(sb, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_add(sb, "\\", 1);
		if (*s == '\n')
			sb_puts(sb, "\\n");
		else
			sb_add(sb, s, 1);
	}
	sb_puts(sb, "\"");
}

/* EDN keyword of a kind: new_customer -> :new-customer */
static void edn_kind(struct strbuf *sb, enum txn_kind k)
{
	sb_puts(sb, ":");
	for (const char *p = txn_kind_name(k); *p; p++)
		sb_add(sb, *p == '_' ? "-" : p, 1);
}

/* Give every op a process: a process runs one op at a time; after an :info
 * (unknown) completion the process is retired, as in Jepsen. */
static void assign_processes(struct hist_op *ops, size_t n)
{
	struct hist_op **order = xcalloc(n ? n : 1, sizeof(*order));
	int64_t *busy_until = NULL; /* per live process; -1 retired */
	size_t n_proc = 0;

	for (size_t i = 0; i < n; i++)
		order[i] = &ops[i];
	qsort(order, n, sizeof(*order), cmp_start);
	for (size_t i = 0; i < n; i++) {
		struct hist_op *op = order[i];
		size_t p;
		for (p = 0; p < n_proc; p++)
			if (busy_until[p] >= 0 && busy_until[p] <= op->start)
				break;
		if (p == n_proc) {
			busy_until = xrealloc(busy_until, (n_proc + 1) * sizeof(*busy_until));
			n_proc++;
		}
		op->process = (int64_t)p;
		busy_until[p] = op->outcome == TXN_UNKNOWN ? -1 : op->end;
	}
	free(busy_until);
	free(order);
}

static void hist_line(struct strbuf *sb, size_t index, const struct hist_op *op, bool completion, int64_t t0)
{
	static const char *const types[] = { [TXN_OK] = ":ok", [TXN_FAILED] = ":fail", [TXN_UNKNOWN] = ":info" };

	sb_printf(sb, "{:index %zu, :type %s, :f ", index, completion ? types[op->outcome] : ":invoke");
	edn_kind(sb, op->kind);
	sb_printf(sb, ", :value {:txn %lld, :node ", (long long)op->txn);
	edn_string(sb, op->node);
	sb_printf(sb, ", :rows %s}, :process %lld, :time %lld", op->rows, (long long)op->process,
		  (long long)((completion ? op->end : op->start) - t0));
	if (completion && op->outcome != TXN_OK && op->err)
		sb_printf(sb, ", :error [:mysql %u]", op->err);
	sb_puts(sb, "}\n");
}

/* One journal record as a history operation; its rows become one EDN
 * vector of strings like "+purchases:12" or "-credits:3-5". */
static void history_op(struct hist_op *op, const struct txn_record *rec)
{
	struct strbuf rows = { 0 };

	memset(op, 0, sizeof(*op));
	op->txn = rec->txn;
	op->kind = rec->kind;
	op->outcome = rec->outcome;
	op->start = rec->start_ns;
	op->end = rec->end_ns < rec->start_ns ? rec->start_ns : rec->end_ns;
	op->err = rec->err;
	op->node = xstrdup(rec->node);
	sb_puts(&rows, "[");
	for (size_t i = 0; i < rec->n_rows; i++) {
		const struct row_ref *rr = &rec->rows[i];
		char one[96];
		if (rr->first == rr->last)
			snprintf(one, sizeof(one), "%c%s:%lld", rr->op, row_table_name(rr->table),
				 (long long)rr->first);
		else
			snprintf(one, sizeof(one), "%c%s:%lld-%lld", rr->op, row_table_name(rr->table),
				 (long long)rr->first, (long long)rr->last);
		if (i)
			sb_puts(&rows, " ");
		edn_string(&rows, one);
	}
	sb_puts(&rows, "]");
	op->rows = sb_detach(&rows);
}

/* Every record of the journal as an operation, into *ops (*n of them, the
 * caller frees them even on failure) and the earliest start into *t0 (0
 * when there is none). */
static int history_read(const char *journal_path, struct hist_op **ops, size_t *n, int64_t *t0)
{
	struct journal_reader *jr = journal_open(journal_path);
	struct txn_record rec;
	size_t cap = 0;
	int r;

	*t0 = INT64_MAX;
	if (!jr)
		return -1;
	txn_record_init(&rec);
	while ((r = journal_next(jr, &rec)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			*ops = xrealloc(*ops, cap * sizeof(**ops));
		}
		history_op(&(*ops)[*n], &rec);
		if ((*ops)[*n].start < *t0)
			*t0 = (*ops)[*n].start;
		(*n)++;
	}
	txn_record_release(&rec);
	journal_reader_free(jr);
	if (r < 0)
		return -1;
	if (!*n)
		*t0 = 0;
	return 0;
}

/* Each operation's invocation and completion, in time order. Returns
 * malloc'd, 2 * n events. */
static struct hist_event *history_events(const struct hist_op *ops, size_t n)
{
	struct hist_event *ev = xcalloc(n ? 2 * n : 1, sizeof(*ev));

	for (size_t i = 0; i < n; i++) {
		ev[2 * i] = (struct hist_event){ ops[i].start, 0, i };
		ev[2 * i + 1] = (struct hist_event){ ops[i].end, 1, i };
	}
	qsort(ev, 2 * n, sizeof(*ev), cmp_event);
	return ev;
}

/* Write the history to out_path atomically (temporary file, fsync, rename). */
static int history_write(const char *out_path, const struct hist_op *ops, const struct hist_event *ev, size_t n,
			 int64_t t0)
{
	char *tmp = xasprintf("%s.tmp.%d", out_path, (int)getpid());
	FILE *f;
	int rc = -1;

	if (!(f = fopen(tmp, "w"))) {
		lab_error("cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	{
		struct strbuf sb = { 0 };
		for (size_t i = 0; i < 2 * n; i++) {
			hist_line(&sb, i, &ops[ev[i].op], ev[i].completion, t0);
			if (sb.len > 1 << 16) {
				fwrite(sb.buf, 1, sb.len, f);
				sb_reset(&sb);
			}
		}
		if (sb.len)
			fwrite(sb.buf, 1, sb.len, f);
		sb_release(&sb);
	}
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0) {
		lab_error("cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		lab_error("cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, out_path) < 0) {
		lab_error("cannot rename '%s' to '%s': %s", tmp, out_path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int report_history(const char *journal_path, const char *out_path)
{
	struct hist_op *ops = NULL;
	struct hist_event *ev = NULL;
	size_t n = 0;
	int64_t t0;
	int rc = -1;

	if (history_read(journal_path, &ops, &n, &t0) < 0)
		goto out;
	assign_processes(ops, n);
	ev = history_events(ops, n);
	rc = history_write(out_path, ops, ev, n, t0);
out:
	for (size_t i = 0; i < n; i++) {
		free(ops[i].node);
		free(ops[i].rows);
	}
	free(ops);
	free(ev);
	return rc;
}
