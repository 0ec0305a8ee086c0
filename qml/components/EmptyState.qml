// What an empty list says: what is missing and what to do about it.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    property string title
    property string hint
    spacing: 6
    Label { text: parent.title; font.pixelSize: 18; Layout.alignment: Qt.AlignHCenter; opacity: 0.8 }
    Label {
        text: parent.hint
        opacity: 0.6
        wrapMode: Text.Wrap
        horizontalAlignment: Text.AlignHCenter
        Layout.maximumWidth: 480
        Layout.alignment: Qt.AlignHCenter
    }
}
