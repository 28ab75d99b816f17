# spark-env.sh for hosta in cluster lab.
# Written by sparkctl from templates/spark-env.sh.tera: edit the inventory, not this file.
export SPARK_LOCAL_HOSTNAME=10.213.37.11
export SPARK_IDENT_STRING=sparkctl
export SPARK_LOG_DIR=/opt/spark/logs
export SPARK_PID_DIR=/opt/spark/run
export SPARK_DAEMON_MEMORY=256m

# Master
export SPARK_MASTER_HOST=10.213.37.11
export SPARK_MASTER_PORT=7077
export SPARK_MASTER_WEBUI_PORT=8080

# Worker
export SPARK_WORKER_CORES=2
export SPARK_WORKER_MEMORY=1g
export SPARK_WORKER_DIR=/opt/spark/work
export SPARK_WORKER_WEBUI_PORT=8081

# Recovery and JVM options for every Spark daemon on this host (HA: zookeeper)
export SPARK_DAEMON_JAVA_OPTS='-Dspark.deploy.recoveryMode=ZOOKEEPER -Dspark.deploy.zookeeper.url=10.213.37.11:2181,10.213.37.12:2181,10.213.37.13:2181 -Dspark.deploy.zookeeper.dir=/spark -XX:+UseSerialGC -XX:TieredStopAtLevel=1'

# extra_env from the inventory
export PYSPARK_PYTHON=/usr/bin/python3

