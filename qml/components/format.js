// Readable numbers for every page: thousands separators, units, durations and relative times.
.pragma library

function count(n) {
    if (n === undefined || n === null || isNaN(n))
        return "–"
    return Number(n).toLocaleString(Qt.locale(), "f", 0)
}

// Per-second figures below 10 keep one decimal (0.4 msg/s is not 0).
function perSecond(n, unit) {
    if (n === undefined || n === null || isNaN(n))
        return "–"
    const digits = Math.abs(n) < 10 && n !== Math.round(n) ? 1 : 0
    return Number(n).toLocaleString(Qt.locale(), "f", digits) + (unit ? " " + unit : "") + "/s"
}

function bytes(n) {
    if (n === undefined || n === null || isNaN(n))
        return "–"
    const units = ["B", "KiB", "MiB", "GiB", "TiB"]
    let value = Number(n), unit = 0
    while (Math.abs(value) >= 1024 && unit < units.length - 1) {
        value /= 1024
        ++unit
    }
    return Number(value).toLocaleString(Qt.locale(), "f", unit === 0 ? 0 : 1) + " " + units[unit]
}

function milliseconds(v) {
    if (v === undefined || v === null || isNaN(v))
        return "–"
    return Number(v).toLocaleString(Qt.locale(), "f", v < 1 ? 2 : v < 10 ? 1 : 0) + " ms"
}

// 42 s, 5 min, 2 h 4 min, 3 d 2 h
function duration(ms) {
    if (ms === undefined || ms === null || isNaN(ms) || ms < 0)
        return "–"
    const s = Math.floor(ms / 1000)
    if (s < 60) return s + " s"
    const m = Math.floor(s / 60)
    if (m < 60) return m + " min"
    const h = Math.floor(m / 60)
    if (h < 24) return h + " h" + (m % 60 ? " " + (m % 60) + " min" : "")
    const d = Math.floor(h / 24)
    return d + " d" + (h % 24 ? " " + (h % 24) + " h" : "")
}

function ago(timestampMs, nowMs) {
    if (!timestampMs)
        return "–"
    const elapsed = (nowMs || Date.now()) - timestampMs
    return elapsed < 5000 ? "just now" : duration(elapsed) + " ago"
}
