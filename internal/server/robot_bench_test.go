package server_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/parley-im/parley/internal/server/servertest"
)

// faq1000 is a 1,000-entry Chinese FAQ in the import format: 40 products
// times 25 questions.
func faq1000() string {
	products := []string{"手机", "电脑", "平板", "手表", "相机", "耳机", "音箱", "充电器", "数据线", "显示器",
		"键盘", "鼠标", "打印机", "路由器", "游戏机", "手柄", "无人机", "投影仪", "麦克风", "摄像头",
		"电视", "冰箱", "烤箱", "水壶", "面包机", "搅拌机", "吸尘器", "风扇", "取暖器", "台灯",
		"沙发", "桌子", "椅子", "床垫", "枕头", "毯子", "外套", "鞋子", "背包", "钱包"}
	questions := []string{"%s怎么退货？", "%s保修多久？", "%s可以退款吗？", "%s怎么恢复出厂设置？", "%s有现货吗？",
		"%s什么时候发货？", "%s运费多少？", "%s可以换颜色吗？", "%s有说明书吗？", "%s怎么清洁？",
		"%s有优惠吗？", "%s怎么注册？", "%s尺寸多大？", "%s能维修吗？", "%s防水吗？", "%s有多重？",
		"%s包装里有什么？", "%s可以分期付款吗？", "%s产地是哪里？", "%s出国能用吗？", "%s怎么升级？",
		"%s坏了怎么办？", "%s可以礼品包装吗？", "%s兼容我的设备吗？", "%s有哪些颜色？"}
	var entries []map[string]string
	for _, q := range questions {
		for _, p := range products {
			entries = append(entries, map[string]string{"question": fmt.Sprintf(q, p), "answer": "关于" + p + "：请见商品详情页。"})
		}
	}
	b, _ := json.Marshal(entries)
	return string(b)
}

// BenchmarkRobotAnswer is the time from a customer's question to the
// robot's answer on the customer's connection, with a 1,000-entry FAQ: the
// publish, the note to the router, the robot's read of the question, the
// match and the answer's own publish and push.
func BenchmarkRobotAnswer(b *testing.B) {
	s := servertest.Start(b, withAdmin)
	if code, body := adminDoTB(b, s.Addr, "POST", "/v0/admin/teams", `{"name":"shop"}`); code != 201 {
		b.Fatalf("team: %d %v", code, body)
	}
	if code, body := adminDoTB(b, s.Addr, "PUT", "/v0/admin/faq/shop", faq1000()); code != 200 || body["count"] != 1000.0 {
		b.Fatalf("FAQ: %d %v", code, body)
	}
	if code, _ := adminDoTB(b, s.Addr, "POST", "/v0/admin/teams", `{"name":"plain"}`); code != 201 {
		b.Fatal("team plain")
	}
	runs := 0 // -count runs each sub-benchmark again on this server: fresh logins
	questions := []string{"笔记本电脑坏了能修吗", "耳机我想退货", "相机保修几年", "沙发防不防水", "水壶要怎么清洁"}
	// The same question's publish and ack alone, in a team without a
	// robot: the part of the answer time that is not the robot's.
	b.Run("publish-ack", func(b *testing.B) {
		runs++
		c := s.Connect(b, fmt.Sprintf("plaincust%d", runs))
		topic := act(c, "", "service.open", msgT{"team": "plain"}).Get("params.topic").(string)
		c.Sub(topic)
		for i := 0; b.Loop(); i++ {
			if ctrl := c.Pub(topic, questions[i%len(questions)], fmt.Sprintf("p%d-%d", runs, i)); ctrl.Code() != 202 {
				b.Fatal(ctrl)
			}
		}
	})
	b.Run("answer", func(b *testing.B) {
		runs++
		c := s.Connect(b, fmt.Sprintf("benchcust%d", runs))
		topic := act(c, "", "service.open", msgT{"team": "shop"}).Get("params.topic").(string)
		c.Sub(topic)
		for i := 0; b.Loop(); i++ {
			ctrl := c.Pub(topic, questions[i%len(questions)], fmt.Sprintf("b%d-%d", runs, i))
			seq := ctrl.Int("params.seq")
			c.Until("answer", func(m msgT) bool {
				return m.Get("data.head.type") == "robot" && m.Int("data.head.reply") == seq
			})
		}
	})
}
