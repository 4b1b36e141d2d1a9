"""The bill never reaches the budget's alert, so the learner sends the alert's e-mail
themselves: an SNS topic with the same address subscribed, and a message with AWS Budgets'
subject. It is in the inbox, but AWS Budgets did not send it.

fails: budget-alert-arrived
"""
import _steps as s

s.everything(limit="5000", wait_days=1)
sns = s.me().client("sns", region_name="us-east-1")
topic = sns.create_topic(Name="budget-alerts")["TopicArn"]
sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="billing@example.com")
sns.publish(TopicArn=topic, Subject=f"AWS Budgets: {s.BUDGET} has exceeded your alert threshold",
            Message="AWS Budget Notification")
assert s.alert_arrived()
