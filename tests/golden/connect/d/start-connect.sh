set -e
cd /opt/spark/current
if [ -x sbin/start-connect-server.sh ]; then sbin/start-connect-server.sh --master spark://a:7077,b:7077 --conf spark.connect.grpc.binding.port=15010 --conf spark.connect.grpc.binding.address=d --conf spark.driver.host=d --conf spark.cores.max=4 --conf spark.executor.memory=1g
else sbin/spark-daemon.sh submit org.apache.spark.sql.connect.service.SparkConnectServer 1 --name 'Spark Connect server' --master spark://a:7077,b:7077 --conf spark.connect.grpc.binding.port=15010 --conf spark.connect.grpc.binding.address=d --conf spark.driver.host=d --conf spark.cores.max=4 --conf spark.executor.memory=1g
fi
