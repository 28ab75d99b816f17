set -e
cd /opt/spark/current
if [ -x sbin/start-connect-server.sh ]; then sbin/start-connect-server.sh --master spark://a:7077,b:7077 --conf spark.connect.grpc.binding.port=15002 --conf spark.connect.grpc.binding.address=a --conf spark.driver.host=a --jars /opt/spark/.sparkctl/jars/da171fc1a81a77b2-spark-connect_2.12-3.5.3.jar
else sbin/spark-daemon.sh submit org.apache.spark.sql.connect.service.SparkConnectServer 1 --name 'Spark Connect server' --master spark://a:7077,b:7077 --conf spark.connect.grpc.binding.port=15002 --conf spark.connect.grpc.binding.address=a --conf spark.driver.host=a --jars /opt/spark/.sparkctl/jars/da171fc1a81a77b2-spark-connect_2.12-3.5.3.jar
fi
