// One headline figure: a caption, the value (already formatted) and an optional status.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts

Pane {
    id: stat
    property string label
    property var value
    property string detail
    property string status: "" // "", ok, warning, error
    Material.elevation: 1
    Layout.fillWidth: true
    Layout.minimumWidth: 150
    padding: 12
    ColumnLayout {
        anchors.fill: parent
        spacing: 2
        RowLayout {
            spacing: 6
            StatusDot { status: stat.status; visible: stat.status !== "" }
            Label { text: stat.label; opacity: 0.7; font.pixelSize: 13 }
        }
        Label {
            objectName: "statValue"
            text: stat.value === undefined || stat.value === null ? "–" : stat.value
            font.pixelSize: 26
            font.weight: Font.Medium
        }
        Label { text: stat.detail; opacity: 0.6; font.pixelSize: 12; visible: text.length > 0 }
    }
}
