package session

import (
	"strings"
	"testing"
)

// hi.dev is stored per topic and device, so it is bounded and plain; the
// push tokens Tinode clients send there pass.
func TestSetDevice(t *testing.T) {
	s := &Session{}
	steps := []struct {
		dev  string
		ok   bool
		want string
	}{
		{"", true, ""},
		{"fcm:APA91bH-x_y.z", true, "fcm:APA91bH-x_y.z"},
		{"", true, "fcm:APA91bH-x_y.z"}, // a hi without dev keeps the device
		{"has space", false, "fcm:APA91bH-x_y.z"},
		{"é", false, "fcm:APA91bH-x_y.z"},
		{strings.Repeat("a", maxDeviceID+1), false, "fcm:APA91bH-x_y.z"},
		{strings.Repeat("a", maxDeviceID), true, strings.Repeat("a", maxDeviceID)},
		{nullValue, true, ""}, // Tinode's null value clears it
	}
	for i, st := range steps {
		if ok := s.setDevice(st.dev); ok != st.ok || s.DeviceID() != st.want {
			t.Fatalf("step %d: setDevice(%.20q) = %v, device %.20q; want %v, %.20q",
				i, st.dev, ok, s.DeviceID(), st.ok, st.want)
		}
	}
}
