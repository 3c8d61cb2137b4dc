"""WeChat Pay v3: the merchant client, the payment record, the notify callback and payment timers."""
