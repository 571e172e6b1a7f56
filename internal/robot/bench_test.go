package robot

import (
	"fmt"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

// Vocabulary of the generated FAQs: every subject with every intent,
// the shape of a shop's FAQ (the same questions about many products).
var (
	enSubjects = []string{"phone", "laptop", "tablet", "watch", "camera", "headphones", "speaker", "charger",
		"cable", "monitor", "keyboard", "mouse", "printer", "router", "console", "controller", "drone", "projector",
		"microphone", "webcam", "television", "fridge", "oven", "kettle", "toaster", "blender", "vacuum", "fan",
		"heater", "lamp", "sofa", "table", "chair", "mattress", "pillow", "blanket", "jacket", "shoes", "backpack", "wallet"}
	enIntents = []string{"How do I return the %s?", "How long is the warranty on the %s?", "Can I get a refund for the %s?",
		"How do I reset the %s?", "Is the %s in stock?", "When will the %s ship?", "How much does shipping the %s cost?",
		"Can I exchange the %s for another colour?", "Does the %s come with a manual?", "How do I clean the %s?",
		"Is there a discount on the %s?", "How do I register the %s?", "What size is the %s?",
		"Can the %s be repaired?", "Is the %s waterproof?", "How heavy is the %s?", "What is in the %s box?",
		"Can I pay for the %s in instalments?", "Where is the %s made?", "Does the %s work abroad?",
		"How do I update the %s?", "Why is my %s not working?", "Can I gift wrap the %s?",
		"Is the %s compatible with my device?", "What colours does the %s come in?"}
	zhSubjects = []string{"手机", "电脑", "平板", "手表", "相机", "耳机", "音箱", "充电器", "数据线", "显示器",
		"键盘", "鼠标", "打印机", "路由器", "游戏机", "手柄", "无人机", "投影仪", "麦克风", "摄像头",
		"电视", "冰箱", "烤箱", "水壶", "面包机", "搅拌机", "吸尘器", "风扇", "取暖器", "台灯",
		"沙发", "桌子", "椅子", "床垫", "枕头", "毯子", "外套", "鞋子", "背包", "钱包"}
	zhIntents = []string{"%s怎么退货？", "%s保修多久？", "%s可以退款吗？", "%s怎么恢复出厂设置？", "%s有现货吗？",
		"%s什么时候发货？", "%s运费多少？", "%s可以换颜色吗？", "%s有说明书吗？", "%s怎么清洁？",
		"%s有优惠吗？", "%s怎么注册？", "%s尺寸多大？", "%s能维修吗？", "%s防水吗？", "%s有多重？",
		"%s包装里有什么？", "%s可以分期付款吗？", "%s产地是哪里？", "%s出国能用吗？", "%s怎么升级？",
		"%s坏了怎么办？", "%s可以礼品包装吗？", "%s兼容我的设备吗？", "%s有哪些颜色？"}
)

// generatedFAQ is n entries: subjects × intents.
func generatedFAQ(subjects, intents []string, n int) []store.FAQEntry {
	out := make([]store.FAQEntry, 0, n)
	for i := 0; len(out) < n; i++ {
		s, in := subjects[i%len(subjects)], intents[(i/len(subjects))%len(intents)]
		out = append(out, store.FAQEntry{Question: fmt.Sprintf(in, s), Answer: "answer " + fmt.Sprint(i)})
	}
	return out
}

// benchMatch measures Match over a 1,000-entry FAQ for a rotation of
// questions phrased unlike the entries.
func benchMatch(b *testing.B, entries []store.FAQEntry, questions []string) {
	r := &Robot{cfg: Config{Threshold: DefaultThreshold}, indexes: map[string]*index{"t": newIndex(entries)}}
	answered := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if r.Match("t", questions[i%len(questions)]).Kind == KindAnswer {
			answered++
		}
	}
	b.ReportMetric(float64(answered)/float64(b.N), "answered/op")
}

func BenchmarkMatch1000English(b *testing.B) {
	benchMatch(b, generatedFAQ(enSubjects, enIntents, 1000), []string{
		"my laptop is broken, can it be repaired", "i want to send back the headphones",
		"what is the warranty for a camera", "is the sofa waterproof", "how do you clean a kettle",
		"refund for my shoes please", "tell me a joke"})
}

func BenchmarkMatch1000Chinese(b *testing.B) {
	benchMatch(b, generatedFAQ(zhSubjects, zhIntents, 1000), []string{
		"笔记本电脑坏了能修吗", "耳机我想退货", "相机保修几年", "沙发防不防水", "水壶要怎么清洁",
		"鞋子能退款吗", "讲个笑话"})
}

// BenchmarkIndex1000 is the cost of an import's re-indexing.
func BenchmarkIndex1000(b *testing.B) {
	entries := generatedFAQ(zhSubjects, zhIntents, 1000)
	for b.Loop() {
		newIndex(entries)
	}
}
