"""The suggestion box (意见箱): suggestions and complaints, optionally anonymous."""
