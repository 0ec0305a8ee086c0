// The pieces of a Prometheus exposition, written by hand in the text format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): a writer for families and
// samples, and one histogram type with fixed buckets. No registry object: each owner keeps plain
// integers where it counts, and writes them at scrape time (docs/metrics.md).
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <array>

namespace cortado::metrics {

using Labels = QList<QPair<QByteArray, QString>>; // name → value; values are escaped when written

// Builds one scrape: `family()` once per metric name, then its samples.
class TextWriter
{
public:
    enum class Type { Counter, Gauge, Histogram };

    // # HELP and # TYPE lines. `name` is the family's name (for a counter, with its _total).
    void family(const char *name, Type type, const char *help);
    void sample(const char *name, const Labels &labels, qint64 value);
    void sample(const char *name, const Labels &labels, double value);

    const QByteArray &text() const { return m_text; }

    // A label value in the text format: backslash, double quote and line feed escaped.
    static QByteArray escape(const QString &value);

private:
    void head(const char *name, const Labels &labels);
    QByteArray m_text;
};

// Latency in seconds with fixed buckets, observed in nanoseconds (plain integers, one thread).
class Histogram
{
public:
    // Upper bounds in seconds; +Inf follows. From 100 µs (a trivial handler) to 10 s.
    static constexpr std::array<double, 14> Bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                   0.025,  0.05,    0.1,    0.25,  0.5,    1,     10};

    // Observations per bucket (not cumulative); the last one counts those above the last bound.
    using Counts = std::array<qint64, Bounds.size() + 1>;

    void observe(qint64 nanoseconds);
    qint64 count() const { return m_count; }
    Counts counts() const;
    // The q-quantile (0..1) in seconds of `counts`, interpolated linearly inside its bucket as
    // Prometheus' histogram_quantile() does; above the last bound it answers the last bound.
    // -1 when `counts` holds nothing.
    static double quantile(const Counts &counts, double q);
    // `name` is the family name: writes name_bucket (cumulative), name_sum and name_count.
    void write(TextWriter &writer, const char *name, const Labels &labels) const;

private:
    std::array<qint64, Bounds.size()> m_buckets{}; // not cumulative: one per bound
    qint64 m_count = 0;
    qint64 m_sumNs = 0;
};

} // namespace cortado::metrics
