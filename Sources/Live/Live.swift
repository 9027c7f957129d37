// Live: the ProjectX Gateway REST and hub clients, LiveBroker (a Broker), the live runner,
// promotion and durable runner state.
import Trading
